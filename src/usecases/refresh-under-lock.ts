import type { ProfileRecord } from '../domain/profile.js';
import { PodioAuthError } from '../errors.js';
import type { TokenSet } from '../podio/token-client.js';
import type { ProfileStore } from '../store/port.js';
import type { FreshToken, MinTtl, TokenDeps, TokenSource } from './fresh-token.js';
import { notLoggedIn } from './profile-lookup.js';
import { refreshProfile } from './refresh-grant.js';
import { hasTimeLeft, tokensOf } from './token-policy.js';

/**
 * The refresh of a stored profile, under the store's lock, in four steps: read the profile again, decide whether
 * the token another process stored meanwhile will do, refresh, store. Of many processes finding the same expired
 * token, only the first refreshes; the rest take its result.
 */

export interface RefreshRequest {
  name: string;
  store: ProfileStore;
  ttl: MinTtl;
  /** The access token that was found wanting (rejected by Podio, or short of time), if there was one. */
  replacing: string | undefined;
  /** Podio rejected `replacing`: a token with time left is no reason to stop. */
  rejected: boolean;
}

export function refreshUnderLock(request: RefreshRequest, deps: TokenDeps): Promise<FreshToken> {
  const { name, store, ttl } = request;
  const source = (record: ProfileRecord): TokenSource => ({
    kind: 'profile',
    name,
    profile: record,
    location: store.location,
  });
  deps.debug(`profile "${name}" needs a refresh: waiting for the lock of ${store.location}`);
  return store.transact(deps.signal, async (tx) => {
    deps.debug('took the lock');
    const fresh = await tx.getProfile(name);
    if (!fresh) throw notLoggedIn(name);
    deps.secrets.addProfile(fresh);
    const current = tokensOf(fresh);
    if (current && takesStoredToken(fresh, current, request, deps.now())) {
      return { tokens: current, source: source(fresh), refreshed: false };
    }
    const next = await refreshProfile(name, fresh, tx, { ...deps, store });
    if (ttl.strict && !hasTimeLeft(next, deps.now(), ttl.seconds, true)) {
      const lifetime = Math.round((Date.parse(next.expires_at ?? '') - deps.now().getTime()) / 1000);
      throw new PodioAuthError(
        'ttl_too_long',
        `Podio's tokens live ${lifetime} s, less than the ${ttl.seconds} s asked for with --min-ttl.`,
      );
    }
    return { tokens: tokensOf(next) as TokenSet, source: source(next), refreshed: true };
  });
}

/**
 * Whether the token stored now, read again under the lock, is handed out instead of refreshing. Another process
 * refreshed while this one waited for the lock: its token is taken if it has time left (when tokens are
 * short-lived and the queue long, even with less than the usual margin), unless --min-ttl asked for more. Pure.
 */
export function takesStoredToken(
  fresh: ProfileRecord,
  current: TokenSet,
  request: Pick<RefreshRequest, 'ttl' | 'replacing' | 'rejected'>,
  now: Date,
): boolean {
  const { ttl } = request;
  const replaced = current.accessToken !== request.replacing;
  const takeIt = replaced && (ttl.strict ? hasTimeLeft(fresh, now, ttl.seconds, true) : hasTimeLeft(fresh, now, 0));
  const stillGood = !request.rejected && hasTimeLeft(fresh, now, ttl.seconds, ttl.strict);
  return takeIt || stillGood;
}
