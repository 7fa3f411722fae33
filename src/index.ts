/**
 * podio-auth as a library: the same store, lock and refresh as the CLI.
 *
 *   import { getAccessToken } from 'podio-auth';
 *   const token = await getAccessToken({ profile: 'work' });
 */
import { createContext } from './commands/context.js';
import type { LoginOptions as CliLoginOptions } from './commands/login.js';
import { createDeps, type Deps } from './deps.js';
import { createMessages, useColour, type Env } from './output.js';
import type { TokenRef } from './podio.js';
import { resolveProfileName } from './store/store.js';
import { getFreshToken } from './token-source.js';

export { CliError as PodioAuthError, ExitCode } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { TokenRef } from './podio.js';

export interface TokenOptions {
  /** Profile to use; default as on the command line: PODIO_PROFILE, `profiles use`, then `default`. */
  profile?: string;
  /** The token must live at least this long (seconds); refreshed first if not. Default: five minutes. */
  minTtlSeconds?: number;
  /** Environment to read (PODIO_* variables, PODIO_AUTH_CONFIG_DIR, proxies). Default: process.env. */
  env?: Env;
  signal?: AbortSignal;
}

export interface AccessToken {
  accessToken: string;
  tokenType: string;
  /** ISO 8601, or null when it is not known (a token given in PODIO_ACCESS_TOKEN). */
  expiresAt: string | null;
  /** The profile it came from, or null in env-only mode. */
  profile: string | null;
  ref: TokenRef | null;
}

function libraryDeps(env: Env, signal: AbortSignal | undefined): Deps {
  return createDeps({
    env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: signal ?? new AbortController().signal,
    onSignal: () => () => {},
  });
}

/** A valid access token and what is known about it. Throws `PodioAuthError` (with `code`, `exitCode`, `hint`). */
export async function getToken(options: TokenOptions = {}): Promise<AccessToken> {
  const deps = libraryDeps(options.env ?? process.env, options.signal);
  const ctx = createContext(deps, () => createMessages(deps.stderr, useColour(deps.env, Boolean(deps.stderr.isTTY))));
  const { tokens, origin } = await getFreshToken({ profile: options.profile, minTtlSeconds: options.minTtlSeconds }, ctx.store, deps, ctx.ui);
  return {
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    expiresAt: tokens.expiresAt || null,
    profile: origin.kind === 'profile' ? origin.name : null,
    ref: tokens.ref ?? null,
  };
}

/** The access token alone, for `Authorization: OAuth2 <token>`. */
export async function getAccessToken(options: TokenOptions = {}): Promise<string> {
  return (await getToken(options)).accessToken;
}

export interface LoginOptions {
  profile?: string;
  clientId?: string;
  /** Default: PODIO_CLIENT_SECRET, then the stored profile. */
  clientSecret?: string;
  scope?: string;
  /** Host of the redirect URI, as registered as the API key's domain. Default: localhost. */
  redirectHost?: string;
  /** Callback port. Default: any free port. */
  port?: number;
  /** Open the browser (BROWSER, else the system's opener). Default: true. The address is printed on stderr either way. */
  openBrowser?: boolean;
  /** How long to wait for the browser. Default: 300. */
  timeoutSeconds?: number;
  env?: Env;
  signal?: AbortSignal;
}

/** The browser login, exactly as `podio-auth login` does it (progress on stderr); stores the tokens in the profile. */
export async function login(options: LoginOptions = {}): Promise<AccessToken> {
  const env: Env = { ...(options.env ?? process.env) };
  if (options.clientSecret !== undefined) (env as Record<string, string>)['PODIO_CLIENT_SECRET'] = options.clientSecret;
  const deps = libraryDeps(env, options.signal);
  const ctx = createContext(deps, () => createMessages(deps.stderr, useColour(deps.env, Boolean(deps.stderr.isTTY))));
  const { runLogin } = await import('./commands/login.js');
  const cliOptions: CliLoginOptions = {
    redirectHost: options.redirectHost ?? 'localhost',
    port: options.port ?? 0,
    browser: options.openBrowser ?? true,
    timeout: options.timeoutSeconds ?? 300,
    acceptPaste: false,
  };
  if (options.profile !== undefined) cliOptions.profile = options.profile;
  if (options.clientId !== undefined) cliOptions.clientId = options.clientId;
  if (options.scope !== undefined) cliOptions.scope = options.scope;
  await runLogin(cliOptions, ctx);
  // The profile just logged in to, even where credentials in the environment would otherwise take precedence.
  return getToken({ env, profile: options.profile ?? resolveProfileName(undefined, env, ctx.store.read()) });
}
