/**
 * The candidates `podio-auth __complete profiles` prints at every Tab after `--profile`: the stored profile names,
 * valid names only (nothing a shell would interpret), never a secret, and within a bound however the store behaves.
 */
import type { Deps } from '../deps.js';
import type { StoreSnapshot } from '../store/port.js';
import { checkProfileName } from '../store/profile-names.js';

/**
 * How long a Tab may wait for the profile names, all told. A store that does not answer (a silent Redis, one behind
 * a VPN that is down) gives no names after this, rather than freezing the shell for the whole HTTP timeout.
 */
export const COMPLETION_BOUND_MS = 1_000;

export async function profileNames(deps: Pick<Deps, 'signal' | 'store'>): Promise<string[]> {
  // A timer of our own, not AbortSignal.timeout: that one is only weakly held, and inside AbortSignal.any it may be
  // collected before it fires.
  const bound = new AbortController();
  const timer = setTimeout(() => bound.abort(), COMPLETION_BOUND_MS);
  const signal = AbortSignal.any([deps.signal, bound.signal]);
  // The store stops on the signal; the race makes sure of the bound whatever a store does with it.
  const gaveUp = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  gaveUp.catch(() => undefined);
  let snapshot: StoreSnapshot;
  try {
    snapshot = await Promise.race([deps.store.read(signal), gaveUp]);
  } finally {
    clearTimeout(timer);
  }
  return [...snapshot.profiles.keys()].filter(isValidName).sort();
}

function isValidName(name: string): boolean {
  try {
    return checkProfileName(name) === name;
  } catch {
    return false;
  }
}
