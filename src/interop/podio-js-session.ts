import type { Env } from '../env.js';
import { PodioAuthError } from '../errors.js';
import { httpTimeoutMs } from '../http.js';
import { apiOriginFor } from '../podio/origins.js';
import type { TokenSet } from '../podio/token-client.js';
import type { FreshToken } from '../usecases/get-token.js';
import { isEnvOnly, libraryDeps, sharedFreshToken } from './library-context.js';
import type { PodioJsOAuth, PodioJsSessionStoreOptions } from './podio-js-api.js';
import { createKnownTokens, type KnownTokens } from './podio-js-known-tokens.js';
import { liveAuthObject } from './podio-js-live-auth.js';
import { createPodioJsRefreshWatch, type PodioJsRefreshWatch } from './podio-js-refresh-watch.js';
import { storeTheirTokens, tokenSetOf } from './podio-js-write-back.js';
import { createRefreshAhead, type RefreshAhead } from './refresh-ahead.js';
import { refreshGateFor } from './refresh-gate.js';

/**
 * The work behind one podio-js session store: looking at the profile (in the background while podio-js works),
 * refreshing ahead of expiry, writing podio-js's own refreshes back, and reporting failures podio-js cannot hear.
 */
export interface PodioJsSession {
  readonly watch: PodioJsRefreshWatch;
  /** Keeps `work` until it settles, for `settled()`. */
  track<T>(work: Promise<T>): Promise<T>;
  /** The freshest token: the stored one while it has time left, else refreshed under the lock. */
  load(ahead?: boolean): Promise<void>;
  /** Stores podio-js's own new tokens (env-only: keeps them in memory), and makes the ones to go on with newest. */
  writeBack(oauth: Partial<PodioJsOAuth> & { accessToken: string }): Promise<void>;
  /** `target` as a live `authObject` on this session's tokens. */
  live(target: object): PodioJsOAuth;
  /** Tells the app's `onError` (by default one line on stderr), once per distinct failure in a row. */
  report(error: unknown): void;
  settled(): Promise<void>;
  close(): void;
}

interface SessionState {
  readonly options: PodioJsSessionStoreOptions;
  readonly env: Env;
  readonly known: KnownTokens;
  readonly watch: PodioJsRefreshWatch;
  readonly ahead: RefreshAhead;
  readonly pending: Set<Promise<unknown>>;
  loading: Promise<unknown> | undefined;
  lastReported: string | undefined;
  /** The profile `latest` came from (name and store), to know which of the library's refreshes are ours. */
  source: { name: string; location: string } | undefined;
  closed: boolean;
}

export function createPodioJsSession(options: PodioJsSessionStoreOptions): PodioJsSession {
  const env = options.env ?? process.env;
  const gate = refreshGateFor(env);
  const state: SessionState = {
    options,
    env,
    known: createKnownTokens(),
    // podio-js's refresh is two requests and has no deadline of its own; ours would have ended by twice this.
    watch: createPodioJsRefreshWatch(gate, () => 2 * httpTimeoutMs(env)),
    ahead: createRefreshAhead(
      () => nowMs(state),
      () => loadInBackground(state, true),
    ),
    pending: new Set(),
    loading: undefined,
    lastReported: undefined,
    source: undefined,
    closed: false,
  };
  // A refresh another caller in this process made (getToken, podioFetch) reaches podio-js in the same turn.
  const stopListening = gate.onRotated((fresh) => adoptRotated(state, fresh));
  return {
    watch: state.watch,
    track: (work) => track(state, work),
    load: (ahead) => load(state, ahead),
    writeBack: (oauth) => writeBack(state, oauth),
    live: (target) => live(state, target),
    report: (error) => report(state, error),
    async settled() {
      while (state.pending.size > 0) await Promise.allSettled([...state.pending]);
    },
    close() {
      state.closed = true;
      state.ahead.stop();
      stopListening();
    },
  };
}

function track<T>(state: SessionState, work: Promise<T>): Promise<T> {
  state.pending.add(work);
  const forget = () => state.pending.delete(work);
  work.then(forget, forget);
  return work;
}

async function load(state: SessionState, ahead = false): Promise<void> {
  const deps = libraryDeps(state.env);
  const { profile } = state.options;
  const latest = state.known.latest;
  if (latest && envOnly(state)) {
    // Env-only: the tokens live in memory, and only refreshing ahead changes them, from the refresh token in
    // memory (the environment's may have been rotated away by the first use).
    if (!ahead) return;
    const seen = state.known.nextMoment();
    const fresh = await sharedFreshToken({ profile, envRefreshToken: latest.refreshToken }, deps);
    adopt(state, fresh.tokens, seen, deps.now().toISOString());
    return;
  }
  const seen = state.known.nextMoment();
  const fresh = await sharedFreshToken({ profile }, deps);
  // podio-js sends what it is given, and refreshes with it, wherever its apiURL points: a profile's tokens are
  // handed over only where nothing in this environment points elsewhere (PODIO_API_URL), as podioFetch does.
  if (fresh.source.kind === 'profile') apiOriginFor(fresh.source.profile, deps.env, fresh.source.name);
  if (fresh.source.kind === 'profile') state.source = { name: fresh.source.name, location: fresh.source.location };
  const obtainedAt = fresh.source.kind === 'profile' ? fresh.source.profile.obtained_at : undefined;
  adopt(state, fresh.tokens, seen, obtainedAt ?? deps.now().toISOString());
  state.lastReported = undefined;
}

async function writeBack(state: SessionState, oauth: Partial<PodioJsOAuth> & { accessToken: string }): Promise<void> {
  const deps = libraryDeps(state.env);
  deps.secrets.add(oauth.accessToken);
  if (oauth.refreshToken) deps.secrets.add(oauth.refreshToken);
  const theirs = tokenSetOf(oauth, deps.now());
  if (envOnly(state)) {
    adopt(state, theirs, state.known.nextMoment(), deps.now().toISOString());
    return;
  }
  // To the profile podio-js's tokens came from: PODIO_PROFILE (when no profile was given) may name another by now.
  const use = await storeTheirTokens(state.source?.name ?? state.options.profile, theirs, state.known.held, deps);
  // Numbered once written: any look at the profile from now on sees this write.
  adopt(state, use, state.known.nextMoment(), deps.now().toISOString());
}

function live(state: SessionState, target: object): PodioJsOAuth {
  return liveAuthObject(target, {
    latest: () => state.known.latest,
    accessTokenRead: () => accessTokenRead(state),
    refreshTokenToShow: (current) => state.watch.refreshTokenToShow(current),
    now: () => libraryDeps(state.env).now(),
  });
}

function report(state: SessionState, error: unknown): void {
  const failure = asPodioAuthError(error);
  // A profile logged out under a busy podio-js would otherwise be reported at each of its requests.
  if (failure.message === state.lastReported) return;
  state.lastReported = failure.message;
  (state.options.onError ?? writeToStderr)(failure);
}

function envOnly(state: SessionState): boolean {
  return isEnvOnly(state.options.profile, state.env);
}

function nowMs(state: SessionState): number {
  return libraryDeps(state.env).now().getTime();
}

function adopt(state: SessionState, tokens: TokenSet, seen: number, obtainedAt: string): void {
  if (state.known.adopt(tokens, seen, obtainedAt)) planRefreshAhead(state);
}

function adoptRotated(state: SessionState, fresh: FreshToken): void {
  const from = fresh.source;
  const source = state.source;
  if (state.closed || from.kind !== 'profile' || from.name !== source?.name || from.location !== source.location)
    return;
  adopt(
    state,
    fresh.tokens,
    state.known.nextMoment(),
    from.profile.obtained_at ?? libraryDeps(state.env).now().toISOString(),
  );
}

/**
 * Refreshes ahead of expiry, by the margin `podio-auth token` keeps: podio-js, idle for longer than a token
 * lives, then finds a token with time left. After a failed try (Podio or the network down), tries again soon,
 * until the token has expired.
 */
function planRefreshAhead(state: SessionState, afterFailure = false): void {
  const latest = state.known.latest;
  if (state.closed || latest?.expiresAt === undefined) return;
  if (!afterFailure) {
    state.ahead.at(latest.expiresAt - latest.marginMs);
    return;
  }
  const now = nowMs(state);
  if (latest.expiresAt > now) state.ahead.at(now + Math.min(30_000, Math.max(1_000, latest.marginMs / 4)));
}

/** A look at the profile while podio-js works, one at a time (env-only: a refresh ahead, nothing to look at). */
function loadInBackground(state: SessionState, ahead = false): void {
  if (state.loading || (envOnly(state) && !ahead)) return;
  state.loading = track(
    state,
    load(state, ahead).then(
      // Also when this look adopted nothing: a wake-up that came while it was under way is not lost.
      () => planRefreshAhead(state),
      (error: unknown) => {
        report(state, error);
        planRefreshAhead(state, true);
      },
    ),
  ).finally(() => {
    state.loading = undefined;
  });
}

/**
 * podio-js is about to send the token with a request. Normally the token has time left (refreshed ahead), and
 * the store looks at the profile again in the background (a refresh the CLI made reaches the next request).
 * If it has expired all the same (the machine slept, Podio could not be reached when it was due), podio-js
 * reads it now, synchronously, with nothing better to give it: it will get a 401 and refresh by itself, so
 * the library stands back rather than rotate the refresh token podio-js is about to use.
 */
function accessTokenRead(state: SessionState): void {
  const latest = state.known.latest;
  if (latest?.expiresAt !== undefined && latest.expiresAt <= nowMs(state) && latest.refreshToken) {
    state.watch.standBack();
    return;
  }
  loadInBackground(state);
}

function asPodioAuthError(error: unknown): PodioAuthError {
  if (error instanceof PodioAuthError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PodioAuthError('podio_error', `The podio-js session store failed: ${message}`, { cause: error });
}

function writeToStderr(error: PodioAuthError): void {
  process.stderr.write(`podio-auth: ${error.message}${error.hint ? ` ${error.hint}` : ''}\n`);
}
