import { CliError, ExitCode, usageError } from '../errors.js';
import { DEFAULT_API_URL } from '../podio.js';
import { resolveProfileName } from '../store/store.js';
import { notLoggedIn } from '../token-source.js';
import type { CommandContext } from './context.js';

export const EXPORT_FORMATS = ['dotenv', 'shell', 'json', 'github'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  profile?: string;
  format: ExportFormat;
  reveal?: boolean;
}

/** A value as dotenv readers (and `gh secret set -f`) take it: bare when safe, else double-quoted. */
function dotenvValue(value: string): string {
  return /^[A-Za-z0-9_\-.:/@+=]*$/.test(value) ? value : JSON.stringify(value);
}

/** A value for a POSIX shell: single quotes, with each ' written as '\''. */
function shellValue(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function formatVariables(variables: [string, string][], format: ExportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(Object.fromEntries(variables), null, 2)}\n`;
    case 'shell':
      return variables.map(([name, value]) => `export ${name}=${shellValue(value)}\n`).join('');
    case 'dotenv':
    case 'github':
      return variables.map(([name, value]) => `${name}=${dotenvValue(value)}\n`).join('');
  }
}

/**
 * What a CI job needs to get tokens in env-only mode, taken from a stored profile: the client credentials and the
 * refresh token, or the app id and token for an app login (which is sturdier: it needs no refresh token).
 */
export async function runExport(options: ExportOptions, ctx: CommandContext): Promise<void> {
  const { deps, store } = ctx;
  if (deps.stdout.isTTY && !options.reveal) {
    throw usageError('export prints secrets, and standard output is a terminal.', 'Redirect or pipe it (e.g. `| gh secret set -f -`), or pass --reveal to show them here.');
  }
  const config = store.read();
  const profileName = resolveProfileName(options.profile, deps.env, config);
  const profile = config.profiles[profileName];
  if (!profile) throw notLoggedIn(profileName);
  if (!profile.client_id || !profile.client_secret) {
    throw new CliError('not_logged_in', ExitCode.authRequired, `Profile "${profileName}" has no client credentials to export.`, {
      hint: `Log in again: \`podio-auth login --profile ${profileName}\`.`,
    });
  }
  const variables: [string, string][] = [
    ['PODIO_CLIENT_ID', profile.client_id],
    ['PODIO_CLIENT_SECRET', profile.client_secret],
  ];
  const ui = await ctx.ui();
  if (profile.app_id && profile.app_token) {
    variables.push(['PODIO_APP_ID', profile.app_id], ['PODIO_APP_TOKEN', profile.app_token]);
  } else if (profile.refresh_token) {
    variables.push(['PODIO_REFRESH_TOKEN', profile.refresh_token]);
    ui.warn(
      'Podio may rotate refresh tokens: once this one is used, here or in CI, the other copy may stop working, and a CI secret is not updated by itself. For unattended jobs, an app login (`podio-auth login --app <app_id>`) is the sturdier choice.',
    );
  } else {
    throw new CliError('not_logged_in', ExitCode.authRequired, `Profile "${profileName}" has no refresh token to export.`, {
      hint: `Log in again: \`podio-auth login --profile ${profileName}\`.`,
    });
  }
  // Without it, a job would call the real Podio even when the login was made against another origin.
  if (profile.api_url && profile.api_url !== DEFAULT_API_URL) variables.push(['PODIO_API_URL', profile.api_url]);
  deps.stdout.write(formatVariables(variables, options.format));
}
