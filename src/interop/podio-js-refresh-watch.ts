import type { RefreshGate, StandBackHandle } from './refresh-gate.js';

/**
 * Sees when podio-js starts a refresh of its own, for the session store. podio-js reads `authObject.refreshToken`
 * on a 401 and, in the same turn, calls `set({})` before it sends the refresh (lib/transport.js, lib/auth.js):
 * that pair is the sign. From then on the library stands back (see refresh-gate.ts) until podio-js's new tokens
 * are stored, so that no refresh of ours rotates the token podio-js is refreshing from.
 */
export interface PodioJsRefreshWatch {
  /**
   * The refresh token podio-js may read now: none while a token request of ours may be rotating it (podio-js then
   * fails that one call with a 401 instead of refreshing from a token Podio is about to end, and throwing).
   */
  refreshTokenToShow(current: string | undefined): string | undefined;
  /** podio-js's `set({})`: right after it read a refresh token, it is about to refresh from it. */
  cleared(): void;
  /** podio-js is about to refresh by itself (or will be, on the 401 it is about to get). */
  standBack(): void;
  /** podio-js's own tokens are stored, or could not be: our refreshes may go again. */
  refreshed(): void;
}

export function createPodioJsRefreshWatch(gate: RefreshGate, boundMs: () => number): PodioJsRefreshWatch {
  let handedInThisTurn = false;
  let standing: StandBackHandle | undefined;
  const standBack = (): void => {
    if (!standing || standing.ended) standing = gate.standBack(boundMs());
  };
  return {
    refreshTokenToShow(current) {
      if (gate.isRotating()) return undefined;
      if (current) {
        handedInThisTurn = true;
        queueMicrotask(() => {
          handedInThisTurn = false;
        });
      }
      return current;
    },
    cleared() {
      if (handedInThisTurn) standBack();
    },
    standBack,
    refreshed() {
      standing?.end();
      standing = undefined;
    },
  };
}
