import type { ProfileRecord } from '../domain/profile.js';
import { isErrorCode, PodioAuthError } from '../errors.js';
import type { StoreTransaction } from '../store/port.js';
import type { TokenDeps } from './fresh-token.js';
import { hasTimeLeft } from './token-policy.js';

/**
 * Storing what Podio answered to a refresh, the step that must not lose a rotated refresh token: a holder that
 * lost the lock writes only by compare-and-set, and a write that failed is looked at again before the user is
 * told to log in.
 */

/** Failures after which a write may still land: the store was sent it and did not answer. */
const UNCERTAIN_STORE_FAILURES: ReadonlySet<string> = new Set(['redis_unavailable', 'keyring_unavailable']);

/** How long the look at whether a failed write landed anyway may take: it runs on a store that just failed. */
const LANDED_CHECK_MS = 5_000;

/**
 * Writes what Podio answered; returns the profile as stored. If this process lost the lock meanwhile (it was
 * stopped, or too slow, and another took over), it writes only if nobody changed the profile since it read it:
 * compare and set, under the lock taken again. Otherwise the other process's newer token stands (and is used).
 * If the write fails after Podio rotated the refresh token, the login is lost (unless the write landed anyway):
 * say so.
 */
export async function storeRefreshed(
  name: string,
  before: ProfileRecord,
  next: ProfileRecord,
  rotated: boolean,
  tx: StoreTransaction,
  deps: TokenDeps,
): Promise<ProfileRecord> {
  try {
    return await writeOrCompareAndSet(name, before, next, tx, deps);
  } catch (error) {
    if (!rotated || !(error instanceof PodioAuthError) || error.code === 'lock_lost') throw error;
    if (await landedAnyway(name, next, deps)) return next;
    throw rotatedTokenLost(name, error);
  }
}

/** The write under the lock held; if that lock was lost, compare and set under the lock taken again. */
async function writeOrCompareAndSet(
  name: string,
  before: ProfileRecord,
  next: ProfileRecord,
  tx: StoreTransaction,
  deps: TokenDeps,
): Promise<ProfileRecord> {
  try {
    await tx.writeProfile(name, next);
    return next;
  } catch (error) {
    if (!isErrorCode(error, 'lock_lost')) throw error;
    return await deps.store.transact(deps.forceSignal, async (again) => {
      const current = await again.getProfile(name);
      if (
        current !== undefined &&
        current.refresh_token === before.refresh_token &&
        current.access_token === before.access_token
      ) {
        await again.writeProfile(name, next);
        return next;
      }
      if (current && hasTimeLeft(current, deps.now(), 0)) return current;
      throw error;
    });
  }
}

function rotatedTokenLost(name: string, error: PodioAuthError): PodioAuthError {
  const why = error.message.replace(/\.$/, '');
  const login = `\`podio-auth login${name === 'default' ? '' : ` --profile ${name}`}\``;
  // A store that did not answer may still carry out the write it was sent (a Redis that was only stopped).
  if (UNCERTAIN_STORE_FAILURES.has(error.code)) {
    return new PodioAuthError(
      'rotated_token_lost',
      `Podio replaced the refresh token of profile "${name}", but the store did not confirm that it kept the new one (${why}); it may still have it.`,
      {
        cause: error,
        hint: `Run the command again once the store answers; if Podio then rejects the refresh token, run ${login}.`,
      },
    );
  }
  return new PodioAuthError(
    'rotated_token_lost',
    `Podio replaced the refresh token of profile "${name}", but the new one could not be stored (${why}); the old one may no longer work, so a new login will be needed.`,
    { cause: error, hint: `Fix the store, then run ${login}.` },
  );
}

/**
 * Whether a write that failed did land: a write whose answer never came (a stalled reply, a connection dropped
 * after the command went out) may have. Then the new refresh token is stored, the next command works, and telling
 * the user to log in again would be wrong. A store that cannot be read now counts as "not landed".
 */
async function landedAnyway(name: string, next: ProfileRecord, deps: TokenDeps): Promise<boolean> {
  try {
    const signal = AbortSignal.any([deps.forceSignal, AbortSignal.timeout(LANDED_CHECK_MS)]);
    const stored = await deps.store.getProfile(name, signal);
    const landed = stored?.refresh_token === next.refresh_token && stored?.access_token === next.access_token;
    if (landed) deps.debug(`the write of profile "${name}" failed, yet what Podio sent is stored`);
    return landed;
  } catch {
    return false;
  }
}
