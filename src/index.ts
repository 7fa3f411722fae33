/**
 * podio-auth as a library: the same store, lock and refresh as the CLI, through the same use cases.
 *
 *   import { getAccessToken } from 'podio-auth';
 *   const token = await getAccessToken({ profile: 'work' });
 */
import type { Env } from './env.js';
import { errorTable } from './errors.js';
import { libraryDeps, sharedFreshToken, type TokenOptions } from './interop/library-context.js';
import type { TokenRef } from './podio/token-client.js';
import { createMessages, useColour } from './ui/messages.js';
import type { FreshToken } from './usecases/get-token.js';
import type { LoginInput } from './usecases/login.js';

export type { ErrorCode, PodioFailure } from './errors.js';
export { ExitCode, PodioAuthError } from './errors.js';
/** Every error code, its exit code and default hint. */
export const ERRORS = errorTable();
export type { TokenOptions } from './interop/library-context.js';
export type { PodioFetchInit, PodioQueryValue, PodioResponse } from './interop/podio-fetch.js';
export { podioFetch } from './interop/podio-fetch.js';
export type {
  PodioJsOAuth,
  PodioJsSessionStore,
  PodioJsSessionStoreOptions,
} from './interop/podio-js-session-store.js';
export { podioJsSessionStore } from './interop/podio-js-session-store.js';
export type { TokenRef } from './podio/token-client.js';

export interface AccessToken {
  accessToken: string;
  tokenType: string;
  /** ISO 8601, or null when it is not known (a token given in PODIO_ACCESS_TOKEN). */
  expiresAt: string | null;
  /** The profile it came from, or null in env-only mode. */
  profile: string | null;
  ref: TokenRef | null;
}

function toAccessToken({ tokens, source }: FreshToken): AccessToken {
  return {
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    expiresAt: tokens.expiresAt || null,
    profile: source.kind === 'profile' ? source.name : null,
    ref: tokens.ref ?? null,
  };
}

/** A valid access token and what is known about it. Throws `PodioAuthError` (with `code`, `exitCode`, `hint`). */
export async function getToken(options: TokenOptions = {}): Promise<AccessToken> {
  const deps = libraryDeps(options.env ?? process.env, options.signal);
  return toAccessToken(await sharedFreshToken(options, deps));
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
  const env = options.env ?? process.env;
  const deps = libraryDeps(env, options.signal);
  const input: LoginInput = {
    profile: options.profile,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    method: {
      kind: 'browser',
      scope: options.scope,
      redirectHost: options.redirectHost ?? 'localhost',
      port: options.port ?? 0,
      openBrowser: options.openBrowser ?? true,
      timeoutSeconds: options.timeoutSeconds ?? 300,
      acceptPaste: false,
    },
  };
  const { login: loginUseCase } = await import('./usecases/login.js');
  const ui = () => createMessages(deps.stderr, useColour(deps.env, Boolean(deps.stderr.isTTY)));
  const result = await loginUseCase(input, { ...deps, ui });
  (await ui()).success(
    `Logged in to Podio${result.who ? ` as ${result.who}` : ''} (profile "${result.profile}", stored in ${result.storedIn})`,
  );
  // The profile just logged in to, even where credentials in the environment would otherwise take precedence.
  return getToken({ env, profile: result.profile, ...(options.signal ? { signal: options.signal } : {}) });
}
