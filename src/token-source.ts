import type { Deps } from './deps.js';
import { CliError, ExitCode, LOGIN_HINT, usageError, PodioAuthError } from './errors.js';
import type { Messages } from './output.js';
import { DEFAULT_API_URL, parseOrigin, requestToken, type ClientCredentials, type Grant, type TokenSet } from './podio.js';
import type { ConfigData, ProfileRecord, Store } from './store/store.js';
import { resolveProfileName, tokensOf, withTokens } from './store/store.js';

/**
 * A valid access token, from wherever the user keeps credentials:
 * - the environment alone (CI): PODIO_ACCESS_TOKEN as is; PODIO_REFRESH_TOKEN or PODIO_APP_ID + PODIO_APP_TOKEN
 *   with the client credentials, exchanged on every call; no file read or written;
 * - else a stored profile: its token while it has time left, else a refreshed one. The refresh happens under the
 *   store lock, after re-reading the file, so that of many processes finding the same expired token only the
 *   first refreshes and the rest pick up its result.
 */

/** A token handed out must live at least this long, so the caller can still use it. */
export const DEFAULT_MIN_TTL_SECONDS = 300;

/**
 * The margin to keep before expiry. Usually `minTtl`; for tokens that live less than twice that (a test
 * server's, say) half their lifetime, or every call would refresh.
 */
export function refreshMarginMs(profile: ProfileRecord, minTtlSeconds: number, strict = false): number {
  const margin = minTtlSeconds * 1000;
  if (strict) return margin;
  const obtained = profile.obtained_at ? Date.parse(profile.obtained_at) : NaN;
  const expires = profile.expires_at ? Date.parse(profile.expires_at) : NaN;
  if (Number.isFinite(obtained) && Number.isFinite(expires) && expires > obtained) {
    return Math.min(margin, (expires - obtained) / 2);
  }
  return margin;
}

/** `strict`: the caller asked for `minTtlSeconds` explicitly (`--min-ttl`), so no softening for short-lived tokens. */
export function hasTimeLeft(profile: ProfileRecord, now: Date, minTtlSeconds: number, strict = false): boolean {
  const expires = profile.expires_at ? Date.parse(profile.expires_at) : NaN;
  return Number.isFinite(expires) && expires - now.getTime() > refreshMarginMs(profile, minTtlSeconds, strict);
}

export function notLoggedIn(profileName: string): CliError {
  return new CliError('not_logged_in', ExitCode.authRequired, `Not logged in (profile "${profileName}").`, {
    hint: profileName === 'default' ? LOGIN_HINT : `Run \`podio-auth login --profile ${profileName}\` to log in.`,
  });
}

export type TokenOrigin =
  | { kind: 'profile'; name: string; profile: ProfileRecord }
  | { kind: 'env'; variable: 'PODIO_ACCESS_TOKEN' | 'PODIO_REFRESH_TOKEN' | 'PODIO_APP_TOKEN' };

export interface FreshToken {
  tokens: TokenSet;
  origin: TokenOrigin;
  refreshed: boolean;
}

export interface TokenRequest {
  /** `--profile`: when given, the profile is used even if credentials are in the environment. */
  profile?: string | undefined;
  /** `--min-ttl`: the token must live at least this long. Default: five minutes, softened for short-lived tokens. */
  minTtlSeconds?: number | undefined;
}

interface Ttl {
  seconds: number;
  strict: boolean;
}

type TokenDeps = Pick<Deps, 'env' | 'http' | 'now' | 'signal'>;

/** Which credentials the environment holds, if any, for env-only mode. Stated in one place for docs and code. */
export function envCredentials(env: Deps['env']): TokenOrigin | undefined {
  if (env['PODIO_ACCESS_TOKEN']) return { kind: 'env', variable: 'PODIO_ACCESS_TOKEN' };
  if (env['PODIO_REFRESH_TOKEN']) return { kind: 'env', variable: 'PODIO_REFRESH_TOKEN' };
  if (env['PODIO_APP_ID'] && env['PODIO_APP_TOKEN']) return { kind: 'env', variable: 'PODIO_APP_TOKEN' };
  return undefined;
}

export async function getFreshToken(request: TokenRequest, store: Store, deps: TokenDeps, ui?: () => Promise<Messages>): Promise<FreshToken> {
  const ttl: Ttl = { seconds: request.minTtlSeconds ?? DEFAULT_MIN_TTL_SECONDS, strict: request.minTtlSeconds !== undefined };
  const fromEnv = request.profile === undefined ? envCredentials(deps.env) : undefined;
  if (fromEnv?.kind === 'env') return tokenFromEnv(fromEnv, deps, ui);

  const config = store.read();
  const profileName = resolveProfileName(request.profile, deps.env, config);
  const stored = config.profiles[profileName];
  const storedTokens = tokensOf(stored);
  if (!stored || (!storedTokens && !canRedoGrant(stored))) throw notLoggedIn(profileName);
  if (storedTokens && hasTimeLeft(stored, deps.now(), ttl.seconds, ttl.strict)) {
    return { tokens: storedTokens, origin: { kind: 'profile', name: profileName, profile: stored }, refreshed: false };
  }
  return store.locked(deps.signal, (data, save) => refreshProfile(profileName, data, save, deps, ttl, storedTokens?.accessToken));
}

function canRedoGrant(profile: ProfileRecord): boolean {
  return Boolean(profile.app_id && profile.app_token);
}

async function refreshProfile(
  profileName: string,
  data: ConfigData,
  save: (data: ConfigData) => Promise<void>,
  deps: TokenDeps,
  ttl: Ttl,
  seenBeforeLock: string | undefined,
): Promise<FreshToken> {
  const profile = data.profiles[profileName];
  if (!profile) throw notLoggedIn(profileName);
  const current = tokensOf(profile);
  // Another process may have refreshed while this one waited for the lock. Its token is taken if it has time
  // left; when tokens are short-lived and the queue was long, even with less than the usual margin, rather than
  // refresh again (unless --min-ttl asked for more).
  const refreshedMeanwhile = current !== undefined && current.accessToken !== seenBeforeLock && !ttl.strict && hasTimeLeft(profile, deps.now(), 0);
  if (current && (refreshedMeanwhile || hasTimeLeft(profile, deps.now(), ttl.seconds, ttl.strict))) {
    return { tokens: current, origin: { kind: 'profile', name: profileName, profile }, refreshed: false };
  }
  const client = profileClient(profile, profileName);
  const apiUrl = apiUrlFor(profile, deps.env);
  const now = deps.now();
  const appGrant: Grant | undefined =
    profile.app_id && profile.app_token ? { grant_type: 'app', app_id: profile.app_id, app_token: profile.app_token } : undefined;

  let tokens: TokenSet;
  if (current?.refreshToken) {
    try {
      tokens = await requestToken(deps.http, apiUrl, client, { grant_type: 'refresh_token', refresh_token: current.refreshToken }, now, deps.signal);
    } catch (error) {
      // An app login can start over without a person; any other login needs one.
      if (!(appGrant && error instanceof PodioAuthError && error.code === 'refresh_rejected')) throw error;
      tokens = await requestToken(deps.http, apiUrl, client, appGrant, now, deps.signal);
    }
  } else if (appGrant) {
    tokens = await requestToken(deps.http, apiUrl, client, appGrant, now, deps.signal);
  } else {
    throw new CliError('refresh_rejected', ExitCode.authRequired, `The access token of profile "${profileName}" has expired and there is no refresh token.`, {
      hint: LOGIN_HINT,
    });
  }
  const next = withTokens(profile, tokens, now);
  await save({ ...data, profiles: { ...data.profiles, [profileName]: next } });
  if (ttl.strict && !hasTimeLeft(next, now, ttl.seconds, true)) {
    const lifetime = Math.round((Date.parse(tokens.expiresAt) - now.getTime()) / 1000);
    throw usageError(`Podio's tokens live ${lifetime} s, less than the ${ttl.seconds} s asked for with --min-ttl.`);
  }
  return { tokens: tokensOf(next) as TokenSet, origin: { kind: 'profile', name: profileName, profile: next }, refreshed: true };
}

function profileClient(profile: ProfileRecord, profileName: string): ClientCredentials {
  if (!profile.client_id || !profile.client_secret) {
    throw new CliError('refresh_rejected', ExitCode.authRequired, `Profile "${profileName}" has no client id and secret to refresh its token with.`, {
      hint: LOGIN_HINT,
    });
  }
  return { clientId: profile.client_id, clientSecret: profile.client_secret };
}

/** Client credentials from the environment, for env-only mode. */
export function envClient(env: Deps['env'], forWhat: string): ClientCredentials {
  const clientId = env['PODIO_CLIENT_ID'];
  const clientSecret = env['PODIO_CLIENT_SECRET'];
  if (!clientId || !clientSecret) {
    throw usageError(`${forWhat} needs PODIO_CLIENT_ID and PODIO_CLIENT_SECRET as well.`, 'Set both, or use a stored profile (`podio-auth login`).');
  }
  return { clientId, clientSecret };
}

async function tokenFromEnv(origin: Extract<TokenOrigin, { kind: 'env' }>, deps: TokenDeps, ui?: () => Promise<Messages>): Promise<FreshToken> {
  const { env } = deps;
  if (origin.variable === 'PODIO_ACCESS_TOKEN') {
    // Given as is: its expiry is unknown, and nothing here can renew it.
    return { tokens: { accessToken: env['PODIO_ACCESS_TOKEN'] as string, tokenType: 'bearer', expiresAt: '' }, origin, refreshed: false };
  }
  const apiUrl = apiUrlFor(undefined, env);
  if (origin.variable === 'PODIO_REFRESH_TOKEN') {
    const refreshToken = env['PODIO_REFRESH_TOKEN'] as string;
    const client = envClient(env, 'PODIO_REFRESH_TOKEN');
    const tokens = await requestToken(deps.http, apiUrl, client, { grant_type: 'refresh_token', refresh_token: refreshToken }, deps.now(), deps.signal);
    if (tokens.refreshToken && tokens.refreshToken !== refreshToken && ui) {
      (await ui()).warn('Podio answered with a new refresh token, so the one in PODIO_REFRESH_TOKEN may no longer work. An app login (`podio-auth login --app`) is sturdier for unattended jobs.');
    }
    return { tokens, origin, refreshed: true };
  }
  const client = envClient(env, 'PODIO_APP_ID and PODIO_APP_TOKEN');
  const grant: Grant = { grant_type: 'app', app_id: env['PODIO_APP_ID'] as string, app_token: env['PODIO_APP_TOKEN'] as string };
  return { tokens: await requestToken(deps.http, apiUrl, client, grant, deps.now(), deps.signal), origin, refreshed: true };
}

/** PODIO_API_URL wins over the origin the profile logged in against. */
export function apiUrlFor(profile: ProfileRecord | undefined, env: Deps['env']): string {
  return parseOrigin('PODIO_API_URL', env['PODIO_API_URL'] || profile?.api_url || DEFAULT_API_URL);
}
