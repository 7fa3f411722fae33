import type { Deps } from '../deps.js';
import { interrupted, PodioAuthError } from '../errors.js';
import type { FreshToken } from '../usecases/get-token.js';

/**
 * Keeps this process's own token requests and podio-js's refreshes apart. podio-js 1.6.1 refreshes by itself,
 * straight to Podio and under no lock, from whatever refresh token its `authObject` shows; if Podio rotated that
 * token away meanwhile, podio-js throws from inside its HTTP callback. So, per environment object (as the library's
 * side effects are shared):
 * - while a token request of the library is on its way (from the moment it may be sent until its answer is
 *   stored and handed on), `isRotating()` says so, and the session store shows podio-js no refresh token;
 * - while podio-js refreshes by itself (`standBack`), the library sends no token request: one it was about to
 *   send is dropped before it is written, and its lookup is made again once podio-js's tokens are stored;
 * - every refresh the library makes is announced (`onRotated`), so that each session store shows podio-js the
 *   new tokens in the same turn, before any answer of Podio's can reach podio-js.
 */

/** How many times a lookup is made again after podio-js's refreshes made it stand back. */
const LOOKUP_ATTEMPTS = 3;

/** A token request dropped before it was written, because podio-js is refreshing by itself. */
class StandingBack extends Error {
  constructor() {
    super('podio-js is refreshing by itself; the request was not sent.');
  }
}

interface StandBack {
  ended: Promise<void>;
  end: () => void;
}

/** One stand-back: `ended` once it was ended or its bound passed. */
export interface StandBackHandle {
  readonly ended: boolean;
  end(): void;
}

export interface RefreshGate {
  /** Whether a token request of the library may be on its way to Podio, or its answer not yet handed on. */
  isRotating(): boolean;
  /**
   * podio-js is about to refresh by itself: no token request is sent until `end()` is called, or `boundMs` has
   * passed (podio-js sets no deadline of its own).
   */
  standBack(boundMs: number): StandBackHandle;
  /** Calls `listener` with each refresh the library made in this process; returns the function that stops it. */
  onRotated(listener: (fresh: FreshToken) => void): () => void;
  /** Runs a token lookup through the gate: see above. */
  lookup(deps: Deps, run: (deps: Deps) => Promise<FreshToken>): Promise<FreshToken>;
}

interface GateState {
  /** Token requests of the library that may be on their way, or whose answer is not yet handed on. */
  rotating: number;
  readonly standing: Set<StandBack>;
  readonly listeners: Set<(fresh: FreshToken) => void>;
}

export function createRefreshGate(): RefreshGate {
  const state: GateState = { rotating: 0, standing: new Set(), listeners: new Set() };
  return {
    isRotating: () => state.rotating > 0,
    standBack: (boundMs) => standBack(state, boundMs),
    onRotated(listener) {
      state.listeners.add(listener);
      return () => state.listeners.delete(listener);
    },
    lookup: (deps, run) => lookup(state, deps, run),
  };
}

function standBack(state: GateState, boundMs: number): StandBackHandle {
  let resolve = () => {};
  const entry: StandBack = { ended: new Promise<void>((done) => (resolve = done)), end: () => {} };
  const handle = { ended: false, end: () => {} };
  const timer = setTimeout(() => handle.end(), boundMs);
  timer.unref();
  handle.end = entry.end = () => {
    handle.ended = true;
    clearTimeout(timer);
    state.standing.delete(entry);
    resolve();
  };
  state.standing.add(entry);
  return handle;
}

async function lookup(state: GateState, deps: Deps, run: (deps: Deps) => Promise<FreshToken>): Promise<FreshToken> {
  for (let attempt = 1; ; attempt++) {
    let counted = false;
    const gated: Deps = {
      ...deps,
      critical: (work) => {
        // Checked as the request is about to go: nothing async lies between this check and podio-js's own.
        if (state.standing.size > 0) return Promise.reject(new StandingBack());
        if (!counted) {
          counted = true;
          state.rotating++;
        }
        return deps.critical(work);
      },
    };
    try {
      const fresh = await run(gated);
      if (fresh.refreshed) for (const listener of state.listeners) listener(fresh);
      return fresh;
    } catch (error) {
      if (!(error instanceof StandingBack)) throw error;
      if (attempt >= LOOKUP_ATTEMPTS) {
        throw new PodioAuthError(
          'lock_timeout',
          'podio-js in this process kept refreshing the login by itself, so no refresh of ours was sent.',
          { hint: 'Try again.' },
        );
      }
      await standingBackEnds(state, deps.signal);
    } finally {
      if (counted) state.rotating--;
    }
  }
}

/** Resolves once every stand-back has ended (each is bounded); a caller's abort ends the wait. */
function standingBackEnds(state: GateState, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(interrupted(undefined, signal.reason));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(interrupted(undefined, signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    void Promise.all([...state.standing].map((entry) => entry.ended)).then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

const gates = new WeakMap<object, RefreshGate>();

/** The gate of one environment object (one per set of library side effects). */
export function refreshGateFor(env: object): RefreshGate {
  let gate = gates.get(env);
  if (!gate) {
    gate = createRefreshGate();
    gates.set(env, gate);
  }
  return gate;
}
