import { describeUser, fetchGrantedScope, fetchUserStatus, type PodioUser } from '../podio.js';
import { apiUrlFor, getFreshToken } from '../token-source.js';
import type { CommandContext } from './context.js';

export interface StatusOptions {
  profile?: string;
  json?: boolean;
}

/** "in 7 h 59 min", "in 45 s", "3 min ago" */
export function describeExpiry(expiresAt: string, now: Date): string {
  const ms = Date.parse(expiresAt) - now.getTime();
  const abs = Math.abs(ms);
  const minutes = Math.floor(abs / 60_000);
  const text =
    abs < 60_000 ? `${Math.floor(abs / 1000)} s` : minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/**
 * Who is logged in, checked with Podio (refreshing the token first if it needs it), and where the tokens live.
 * Exits 4 when not logged in or when Podio rejects the token; 1 when Podio cannot be asked.
 */
export async function runStatus(options: StatusOptions, ctx: CommandContext): Promise<void> {
  const { deps, store } = ctx;
  const { tokens, origin } = await getFreshToken({ profile: options.profile }, store, deps, ctx.ui);
  const profile = origin.kind === 'profile' ? origin.profile : undefined;
  const profileName = origin.kind === 'profile' ? origin.name : `(environment: ${origin.variable})`;
  const apiUrl = apiUrlFor(profile, deps.env);
  // An app's token has no user behind it: Podio is asked about the token instead.
  const user: PodioUser =
    tokens.ref?.type === 'app'
      ? (await fetchGrantedScope(deps.http, apiUrl, tokens.accessToken, deps.signal), { userId: undefined, name: `app ${tokens.ref.id}`, mail: undefined })
      : await fetchUserStatus(deps.http, apiUrl, tokens.accessToken, deps.signal);
  const now = deps.now();
  if (options.json) {
    const out = {
      profile: origin.kind === 'profile' ? origin.name : null,
      source: origin.kind === 'profile' ? 'profile' : origin.variable,
      user: { id: user.userId ?? null, name: user.name ?? null, mail: user.mail ?? null },
      expires_at: tokens.expiresAt || null,
      has_refresh_token: Boolean(tokens.refreshToken),
      scope: tokens.scope ?? null,
      ref: tokens.ref ?? null,
      api_url: apiUrl,
      config_file: profile ? store.file : null,
    };
    deps.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const rows: [string, string][] = [
    ['Profile', profileName],
    ['Logged in as', `${describeUser(user)}${user.userId !== undefined ? ` (user ${user.userId})` : ''}`],
    ['Access token', tokens.expiresAt ? `expires ${tokens.expiresAt} (${describeExpiry(tokens.expiresAt, now)})` : 'expiry unknown (given in PODIO_ACCESS_TOKEN)'],
    ['Refresh token', tokens.refreshToken ? 'stored' : 'none: log in again when the access token expires'],
  ];
  if (tokens.scope) rows.push(['Scope', tokens.scope]);
  rows.push(['API', apiUrl]);
  if (profile) rows.push(['Config file', store.file]);
  const width = Math.max(...rows.map(([label]) => label.length));
  // Plain text: this is the command's output, on stdout, and may well be piped.
  deps.stdout.write(rows.map(([label, value]) => `${`${label}:`.padEnd(width + 1)} ${value}`).join('\n') + '\n');
}
