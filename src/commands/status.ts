import type { Command } from '@commander-js/extra-typings';
import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { describeExpiry } from '../ui/format.js';
import { getStatus, type Status } from '../usecases/status.js';
import { type App, jsonOption, profileOption, tokenDeps } from './shared.js';

function statusJson(status: Status): Record<string, unknown> {
  const { source, user } = status;
  return {
    profile: source.kind === 'profile' ? source.name : null,
    source: source.kind === 'profile' ? 'profile' : source.variable,
    user: { id: user.userId ?? null, name: user.name ?? null, mail: user.mail ?? null },
    expires_at: status.expiresAt ?? null,
    has_refresh_token: status.hasRefreshToken,
    // null (not []) when Podio could not be asked: unknown is not "no scope".
    scopes: status.scopeUnknownBecause === undefined ? status.scopes : null,
    scope_error: status.scopeUnknownBecause ?? null,
    ref: status.ref ?? null,
    api_url: status.apiOrigin,
    stored_in: status.storedIn ?? null,
  };
}

function statusText(status: Status, now: Date): string {
  const { source, user } = status;
  const refresh =
    source.kind === 'env'
      ? source.variable === 'PODIO_REFRESH_TOKEN'
        ? 'from PODIO_REFRESH_TOKEN (not stored; exchanged on every call)'
        : source.variable === 'PODIO_APP_TOKEN'
          ? 'none: the app grant (PODIO_APP_ID, PODIO_APP_TOKEN) is redone on every call'
          : 'none: PODIO_ACCESS_TOKEN cannot be renewed'
      : status.hasRefreshToken
        ? 'stored'
        : 'none: log in again when the access token expires';
  const expiry = status.expiresAt ? describeExpiry(status.expiresAt, now) : undefined;
  const rows: [string, string][] = [
    ['Profile', source.kind === 'profile' ? source.name : `(environment: ${source.variable})`],
    ['Logged in as', `${user.display}${user.userId !== undefined ? ` (user ${user.userId})` : ''}`],
    [
      'Access token',
      status.expiresAt
        ? `expires ${status.expiresAt}${expiry ? ` (${expiry})` : ''}`
        : 'expiry unknown (given in PODIO_ACCESS_TOKEN)',
    ],
    ['Refresh token', refresh],
  ];
  if (status.scopeUnknownBecause !== undefined) rows.push(['Scope', `unknown: ${status.scopeUnknownBecause}`]);
  else if (status.scopes.length > 0) rows.push(['Scope', status.scopes.join(' ')]);
  rows.push(['API', status.apiOrigin]);
  if (status.storedIn) rows.push(['Stored in', status.storedIn]);
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const row of rows) row[1] = sanitizeForTerminal(row[1], 400);
  return `${rows.map(([label, value]) => `${`${label}:`.padEnd(width + 1)} ${value}`).join('\n')}\n`;
}

/**
 * Who is logged in, checked with Podio, until when, and where the tokens live. Plain text on stdout: it is the
 * command's output and may well be piped.
 */
export function registerStatus(program: Command, app: App): void {
  program
    .command('status')
    .description('show who is logged in (checked with Podio), until when, and where the tokens are stored')
    .addOption(profileOption())
    .addOption(jsonOption('the status'))
    .action((options) =>
      app.run(async () => {
        const status = await getStatus({ profile: options.profile }, tokenDeps(app));
        await app.out(
          options.json ? `${JSON.stringify(statusJson(status), null, 2)}\n` : statusText(status, app.deps.now()),
        );
      }),
    );
}
