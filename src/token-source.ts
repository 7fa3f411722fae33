import type { Deps } from './deps.js';
import { CliError, ExitCode, LOGIN_HINT } from './errors.js';
import { DEFAULT_API_URL, requestToken, type TokenSet } from './podio.js';
import type { ProfileRecord, Store } from './store/store.js';
import { tokensOf, withTokens } from './store/store.js';

/**
 * A valid access token for a profile: the stored one while it has time left, else a refreshed one. The refresh
 * happens under the store lock, after re-reading the file, so that of many processes finding the same expired
 * token only the first refreshes and the rest pick up its result.
 */

/** A token printed by `token` must live at least this long, so the caller can still use it. */
export const DEFAULT_MIN_TTL_SECONDS = 300;

/**
 * The margin to keep before expiry. Usually `minTtl`; for tokens that live less than twice that (a test
 * server's, say) half their lifetime, or every call would refresh.
 */
export function refreshMarginMs(profile: ProfileRecord, minTtlSeconds: number): number {
  const margin = minTtlSeconds * 1000;
  const obtained = profile.obtained_at ? Date.parse(profile.obtained_at) : NaN;
  const expires = profile.expires_at ? Date.parse(profile.expires_at) : NaN;
  if (Number.isFinite(obtained) && Number.isFinite(expires) && expires > obtained) {
    return Math.min(margin, (expires - obtained) / 2);
  }
  return margin;
}

export function hasTimeLeft(profile: ProfileRecord, now: Date, minTtlSeconds: number): boolean {
  const expires = profile.expires_at ? Date.parse(profile.expires_at) : NaN;
  return Number.isFinite(expires) && expires - now.getTime() > refreshMarginMs(profile, minTtlSeconds);
}

export function notLoggedIn(profileName: string): CliError {
  return new CliError('not_logged_in', ExitCode.authRequired, `Not logged in (profile "${profileName}").`, {
    hint: profileName === 'default' ? LOGIN_HINT : `Run \`podio-auth login --profile ${profileName}\` to log in.`,
  });
}

export interface FreshToken {
  tokens: TokenSet;
  profile: ProfileRecord;
  refreshed: boolean;
}

export async function getFreshToken(
  profileName: string,
  store: Store,
  deps: Pick<Deps, 'env' | 'http' | 'now' | 'signal'>,
  minTtlSeconds = DEFAULT_MIN_TTL_SECONDS,
): Promise<FreshToken> {
  const stored = store.read().profiles[profileName];
  const storedTokens = tokensOf(stored);
  if (!stored || !storedTokens) throw notLoggedIn(profileName);
  if (hasTimeLeft(stored, deps.now(), minTtlSeconds)) return { tokens: storedTokens, profile: stored, refreshed: false };

  return store.locked(deps.signal, async (data, save) => {
    const profile = data.profiles[profileName];
    const current = tokensOf(profile);
    if (!profile || !current) throw notLoggedIn(profileName);
    // Another process may have refreshed while this one waited for the lock.
    if (hasTimeLeft(profile, deps.now(), minTtlSeconds)) return { tokens: current, profile, refreshed: false };
    if (!current.refreshToken) {
      throw new CliError('refresh_rejected', ExitCode.authRequired, `The access token of profile "${profileName}" has expired and there is no refresh token.`, {
        hint: LOGIN_HINT,
      });
    }
    const clientId = profile.client_id ?? deps.env['PODIO_CLIENT_ID'];
    const clientSecret = profile.client_secret ?? deps.env['PODIO_CLIENT_SECRET'];
    if (!clientId || !clientSecret) {
      throw new CliError('refresh_rejected', ExitCode.authRequired, `Profile "${profileName}" has no client id and secret to refresh its token with.`, {
        hint: LOGIN_HINT,
      });
    }
    const now = deps.now();
    const tokens = await requestToken(
      deps.http,
      apiUrlFor(profile, deps.env),
      { clientId, clientSecret },
      { grant_type: 'refresh_token', refresh_token: current.refreshToken },
      now,
      deps.signal,
    );
    const next = { ...withTokens(profile, tokens), obtained_at: now.toISOString() };
    await save({ ...data, profiles: { ...data.profiles, [profileName]: next } });
    const merged = tokensOf(next) as TokenSet;
    return { tokens: merged, profile: next, refreshed: true };
  });
}

/** PODIO_API_URL wins over the origin the profile logged in against. */
export function apiUrlFor(profile: ProfileRecord | undefined, env: Deps['env']): string {
  return env['PODIO_API_URL'] || profile?.api_url || DEFAULT_API_URL;
}
