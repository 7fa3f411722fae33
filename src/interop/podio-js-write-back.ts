import type { Deps } from '../deps.js';
import type { ProfileRecord } from '../domain/profile.js';
import { isErrorCode, PodioAuthError } from '../errors.js';
import type { TokenSet } from '../podio/token-client.js';
import { notLoggedIn, readProfile } from '../usecases/profile-lookup.js';
import { sameRef, tokensOf, withRefreshToken, withTokens } from '../usecases/token-policy.js';
import type { PodioJsOAuth } from './podio-js-api.js';

/** What becomes of the tokens podio-js got from Podio by itself: decided under the lock, then written back. */

/** What podio-js's own new tokens come to, decided under the lock. */
export interface WriteBack {
  /** The profile to store, or undefined to leave it as it is. */
  write: ProfileRecord | undefined;
  /** Which tokens podio-js goes on with: its own, or the stored ones (the store has moved on, or they live longer). */
  use: 'theirs' | 'stored';
}

/** podio-js's tokens as podio-auth keeps them; `expiresAt` is '' when podio-js gave no usable lifetime. */
export function tokenSetOf(oauth: Partial<PodioJsOAuth> & { accessToken: string }, now: Date): TokenSet {
  const seconds = oauth.expiresIn === null || oauth.expiresIn === '' ? NaN : Number(oauth.expiresIn);
  const tokens: TokenSet = {
    accessToken: oauth.accessToken,
    tokenType: 'bearer',
    expiresAt: Number.isFinite(seconds) && seconds >= 0 ? new Date(now.getTime() + seconds * 1000).toISOString() : '',
  };
  if (oauth.refreshToken) tokens.refreshToken = oauth.refreshToken;
  if (typeof oauth.scope === 'string' && oauth.scope !== '') tokens.scope = oauth.scope;
  if (oauth.ref && typeof oauth.ref.type === 'string') tokens.ref = { type: oauth.ref.type, id: oauth.ref.id };
  return tokens;
}

/**
 * What to do with the tokens podio-js got from Podio, given the profile as stored now (read under the lock).
 * Pure, so that every case can be tested on its own.
 */
export function writeBackOf(
  name: string,
  current: ProfileRecord,
  theirs: TokenSet,
  held: ReadonlySet<string>,
  now: Date,
): WriteBack {
  if (!sameRef(current, theirs)) {
    const who = (ref: { type: string; id: number | string } | undefined) => `${ref?.type} ${ref?.id}`;
    throw new PodioAuthError(
      'session_mismatch',
      `podio-js signed in as ${who(theirs.ref)}, but profile "${name}" belongs to ${who(current.ref)}; ` +
        'its tokens were not stored.',
    );
  }
  if (current.access_token === theirs.accessToken) return { write: undefined, use: 'theirs' };
  const stored = current.refresh_token;
  // podio-js refreshed from the stored refresh token (it held it, and the answer brought another).
  const rotatedFromStored = stored !== undefined && theirs.refreshToken !== stored && held.has(stored);
  const sameRefreshToken = theirs.refreshToken === undefined || theirs.refreshToken === stored;
  if (!rotatedFromStored && !sameRefreshToken) return { write: undefined, use: 'stored' };
  if (theirs.expiresAt === '') {
    // No usable lifetime: of that answer only a new refresh token is worth keeping.
    const write =
      rotatedFromStored && theirs.refreshToken ? withRefreshToken(current, theirs.refreshToken, now) : undefined;
    return { write, use: 'theirs' };
  }
  // With the same refresh token either access token works: the one that lives longer is kept.
  if (!rotatedFromStored && Date.parse(theirs.expiresAt) <= Date.parse(current.expires_at ?? '')) {
    return { write: undefined, use: 'stored' };
  }
  return { write: withTokens(current, theirs, now), use: 'theirs' };
}

/**
 * Writes podio-js's own new tokens back under the lock, compare-and-set (`writeBackOf`); returns the tokens
 * podio-js goes on with. A lock taken over before the write (which was then not made) means deciding again on
 * what is stored now.
 */
export async function storeTheirTokens(
  profile: string | undefined,
  theirs: TokenSet,
  held: ReadonlySet<string>,
  deps: Pick<Deps, 'env' | 'store' | 'signal' | 'secrets' | 'now'>,
): Promise<TokenSet> {
  const { name, store } = await readProfile(profile, deps);
  const attempt = () =>
    store.transact(deps.signal, async (tx) => {
      const current = await tx.getProfile(name);
      if (!current) throw notLoggedIn(name);
      const decision = writeBackOf(name, current, theirs, held, deps.now());
      if (decision.write) await tx.writeProfile(name, decision.write);
      return decision.use === 'stored' ? (tokensOf(current) ?? theirs) : theirs;
    });
  try {
    return await attempt();
  } catch (error) {
    if (!isErrorCode(error, 'lock_lost')) throw error;
    return await attempt();
  }
}
