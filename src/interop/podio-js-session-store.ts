import type { Env } from '../env.js';
import { isErrorCode, PodioAuthError } from '../errors.js';
import { httpTimeoutMs } from '../http.js';
import type { TokenRef, TokenSet } from '../podio/token-client.js';
import { notLoggedIn, readProfile } from '../usecases/get-token.js';
import { DEFAULT_MIN_TTL_SECONDS, refreshMarginMs, tokensOf } from '../usecases/token-policy.js';
import { isEnvOnly, libraryDeps, sharedFreshToken } from './library-context.js';
import { PodioJsRefreshWatch } from './podio-js-refresh-watch.js';
import { tokenSetOf, writeBackOf } from './podio-js-write-back.js';
import { RefreshAhead } from './refresh-ahead.js';
import { refreshGateFor } from './refresh-gate.js';

/**
 * podio-js 1.6.1's `sessionStore` on podio-auth's store and lock, so that a podio-js client uses the CLI's login:
 *
 *   new Podio({ authType: 'server', clientId, clientSecret }, { sessionStore: podioJsSessionStore() })
 *
 * What podio-js does with a session store (lib/podio-js.js, lib/auth.js, lib/transport.js):
 * - `get(authType, callback)` on construction and in `isAuthenticated()`; what `callback` gets becomes the
 *   client's `authObject` ({ accessToken, refreshToken, expiresIn, ref, transferToken, scope }: PodioOAuth.js),
 *   whose `accessToken` it reads for every request.
 * - On a 401 `invalid_token`/`expired_token` it refreshes by itself with `authObject.refreshToken`, straight to
 *   Podio and under no lock: `set({}, authType)` (to forget the old token), then `set(newAuthObject, authType,
 *   callback)` with the answer, and it retries the call once `callback(null)` comes. If that refresh fails (a
 *   refresh token Podio rotated away), podio-js throws from inside its HTTP callback: the call never settles and
 *   the process gets an uncaught exception. So podio-js must refresh by itself as rarely as possible, and then
 *   with the newest refresh token.
 * - A login made through podio-js (`authenticateWithApp` …) also ends in `set(newAuthObject, authType, callback)`.
 *
 * So this store:
 * - refreshes ahead of expiry, by the margin `podio-auth token` keeps (five minutes; half the life of a token
 *   that lives less than ten), under the store's lock, on a timer that never keeps the process alive: podio-js
 *   reads its token synchronously as it sends a request, so the store must hold one with time left by then. A
 *   podio-js idle for longer than a token lives finds a fresh token, and its first calls (several at once too)
 *   get no 401. A refresh ends while the token it replaces still has the margin left, so podio-js's calls made
 *   meanwhile get no 401 either;
 * - hands podio-js a live `authObject`: its fields read the newest token this store knows. Each time podio-js
 *   reads `accessToken` (each request), the store looks at the profile again in the background, as `podio-auth
 *   token` does (a refresh the CLI made reaches podio-js's next request); a refresh made by the library elsewhere
 *   in this process reaches it at once (refresh-gate.ts);
 * - keeps podio-js's own refreshes (when Podio ends a token early) and this process's apart (refresh-gate.ts):
 *   while a token request of ours may be rotating the refresh token, `authObject.refreshToken` is empty, so
 *   podio-js fails that one call with its 401 rather than refresh from a dying token and throw; and once podio-js
 *   starts a refresh of its own, this process sends no token request until podio-js's new tokens are stored;
 * - never hands over a token it knows has expired, except in one case it cannot avoid: the timer could not run
 *   in time (the machine slept, Podio was unreachable when the token was due) and podio-js reads the token for a
 *   request, synchronously. The store then stands back and lets podio-js refresh by itself on the 401, from a
 *   refresh token nobody in this process is rotating;
 * - `get` hands over the freshest stored token, refreshed first under the lock when it is about to expire;
 * - forgets nothing on `set({})` (a podio-js 401 must not log the CLI out); it only takes it, right after podio-js
 *   read its refresh token, as the sign that podio-js starts a refresh of its own (podio-js-refresh-watch.ts);
 * - writes podio-js's own refresh back under the lock, compare-and-set: only if the stored refresh token is one
 *   podio-js held (so the one it refreshed from, which Podio may have rotated away); if the store has moved on to
 *   a token podio-js never saw (the CLI refreshed meanwhile), the stored login stands and podio-js is switched to
 *   it. Tokens for another user or app than the profile's are never stored (podio-js keeps them to itself).
 * - In env-only mode (credentials in the environment, no profile given) there is nothing to write to: the
 *   tokens live in this store's memory, refreshed ahead of expiry from the refresh token in memory (or by the
 *   app grant again), and by podio-js itself when Podio ends a token early.
 * podio-js gives a session store no way to report an error: `get` then hands over nothing (podio-js says
 * "Authentication has not been performed"), and the error goes to `onError` (by default one line on stderr).
 */

/** podio-js's `authObject` (lib/PodioOAuth.js). */
export interface PodioJsOAuth {
  accessToken: string;
  /** Absent when there is none to give (a token from PODIO_ACCESS_TOKEN): podio-js then cannot refresh. */
  refreshToken?: string;
  /** Seconds the access token has left; null when unknown. podio-js itself keeps what Podio said. */
  expiresIn: number | string | null;
  ref?: TokenRef;
  transferToken?: string;
  scope?: string;
}

/** The interface podio-js 1.6.1 calls (`options.sessionStore`), and `settled()` for orderly exits. */
export interface PodioJsSessionStore {
  get(authType: string, callback: (podioOAuth?: PodioJsOAuth) => void): void;
  set(podioOAuth: Partial<PodioJsOAuth>, authType: string, callback?: (error: null) => void): void;
  /**
   * Resolves once the store's work in the background is done: a look at the profile, a refresh, a write-back.
   * Await it before `process.exit()`, so that a refresh token Podio has just rotated is stored.
   */
  settled(): Promise<void>;
  /** Stops refreshing ahead of expiry (see above); for a program that is done with podio-js but goes on. */
  close(): void;
}

export interface PodioJsSessionStoreOptions {
  /** Profile to use; default as on the command line: PODIO_PROFILE, `profiles use`, then `default`. */
  profile?: string;
  /** Environment to read (PODIO_* variables, PODIO_AUTH_CONFIG_DIR, proxies). Default: process.env. */
  env?: Env;
  /** Where failures go, since podio-js has no channel for them. Default: one line on stderr. */
  onError?: (error: PodioAuthError) => void;
}

/** How many of the refresh tokens podio-js could have read are remembered, to recognise where it refreshed from. */
const HELD_TOKENS_KEPT = 32;

/** The newest token this store knows, which every live `authObject` shows. */
interface Latest {
  accessToken: string;
  refreshToken: string | undefined;
  /** Milliseconds since the epoch; undefined when unknown. */
  expiresAt: number | undefined;
  ref: TokenRef | undefined;
  scope: string | undefined;
  /** How long before `expiresAt` the token is refreshed: as `podio-auth token` does, 5 min or half its life. */
  marginMs: number;
}

export function podioJsSessionStore(options: PodioJsSessionStoreOptions = {}): PodioJsSessionStore {
  const env = options.env ?? process.env;
  const profile = options.profile;
  const envOnly = () => isEnvOnly(profile, env);
  /** Refresh tokens podio-js could have read through this store: the ones a refresh of its own can start from. */
  const held = new Set<string>();
  const pending = new Set<Promise<unknown>>();
  let latest: Latest | undefined;
  /** Orders what the store saw: each read starts, and each write-back ends, at a higher number. */
  let clock = 0;
  let adoptedAt = 0;
  let loading: Promise<unknown> | undefined;
  let lastReported: string | undefined;
  /** The profile `latest` came from (name and store), to know which of the library's refreshes are ours. */
  let source: { name: string; location: string } | undefined;
  let closed = false;
  const nowMs = () => libraryDeps(env).now().getTime();
  const gate = refreshGateFor(env);
  // podio-js's refresh is two requests and has no deadline of its own; ours would have ended by twice this.
  const watch = new PodioJsRefreshWatch(gate, () => 2 * httpTimeoutMs(env));
  const ahead = new RefreshAhead(nowMs, () => loadInBackground(true));

  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    const forget = () => pending.delete(work);
    work.then(forget, forget);
    return work;
  };
  const hold = (refreshToken: string | undefined) => {
    if (!refreshToken) return;
    held.delete(refreshToken);
    held.add(refreshToken);
    for (const oldest of held) {
      if (held.size <= HELD_TOKENS_KEPT) break;
      held.delete(oldest);
    }
  };
  /**
   * Makes `tokens` the newest known, unless something newer was adopted since `seen` (the moment the store was
   * read for them): a look at the profile that began before a write-back finished must not bring back the token
   * that write-back replaced.
   */
  const adopt = (tokens: TokenSet, seen: number, obtainedAt: string) => {
    if (seen <= adoptedAt) return;
    adoptedAt = seen;
    const expires = Date.parse(tokens.expiresAt);
    latest = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: Number.isFinite(expires) ? expires : undefined,
      ref: tokens.ref,
      scope: tokens.scope,
      marginMs: refreshMarginMs({ obtained_at: obtainedAt, expires_at: tokens.expiresAt }, DEFAULT_MIN_TTL_SECONDS),
    };
    hold(tokens.refreshToken);
    planRefreshAhead();
  };
  /**
   * Refreshes ahead of expiry, by the margin `podio-auth token` keeps: podio-js, idle for longer than a token
   * lives, then finds a token with time left. After a failed try (Podio or the network down), tries again soon,
   * until the token has expired.
   */
  const planRefreshAhead = (afterFailure = false) => {
    if (closed || latest?.expiresAt === undefined) return;
    if (!afterFailure) return ahead.at(latest.expiresAt - latest.marginMs);
    const now = nowMs();
    if (latest.expiresAt > now) ahead.at(now + Math.min(30_000, Math.max(1_000, latest.marginMs / 4)));
  };
  // A refresh another caller in this process made (getToken, podioFetch) reaches podio-js in the same turn.
  const stopListening = gate.onRotated((fresh) => {
    const from = fresh.source;
    if (closed || from.kind !== 'profile' || from.name !== source?.name || from.location !== source.location) return;
    adopt(fresh.tokens, ++clock, from.profile.obtained_at ?? libraryDeps(env).now().toISOString());
  });
  const report = (error: unknown) => {
    const failure = asPodioAuthError(error);
    // A profile logged out under a busy podio-js would otherwise be reported at each of its requests.
    if (failure.message === lastReported) return;
    lastReported = failure.message;
    (options.onError ?? writeToStderr)(failure);
  };

  /** The freshest token: the stored one while it has time left, else refreshed under the lock. */
  const load = async (ahead = false): Promise<void> => {
    const deps = libraryDeps(env);
    if (latest && envOnly()) {
      // Env-only: the tokens live in memory, and only refreshing ahead changes them, from the refresh token in
      // memory (the environment's may have been rotated away by the first use).
      if (!ahead) return;
      const seen = ++clock;
      const fresh = await sharedFreshToken({ profile, envRefreshToken: latest.refreshToken }, deps);
      adopt(fresh.tokens, seen, deps.now().toISOString());
      return;
    }
    const seen = ++clock;
    const fresh = await sharedFreshToken({ profile }, deps);
    if (fresh.source.kind === 'profile') source = { name: fresh.source.name, location: fresh.source.location };
    const obtainedAt = fresh.source.kind === 'profile' ? fresh.source.profile.obtained_at : undefined;
    adopt(fresh.tokens, seen, obtainedAt ?? deps.now().toISOString());
    lastReported = undefined;
  };

  /** A look at the profile while podio-js works, one at a time (env-only: a refresh ahead, nothing to look at). */
  const loadInBackground = (ahead = false) => {
    if (loading || (envOnly() && !ahead)) return;
    loading = track(
      load(ahead).then(
        // Also when this look adopted nothing: a wake-up that came while it was under way is not lost.
        () => planRefreshAhead(),
        (error: unknown) => {
          report(error);
          planRefreshAhead(true);
        },
      ),
    ).finally(() => {
      loading = undefined;
    });
  };

  const writeBack = async (oauth: Partial<PodioJsOAuth> & { accessToken: string }): Promise<void> => {
    const deps = libraryDeps(env);
    deps.secrets.add(oauth.accessToken);
    if (oauth.refreshToken) deps.secrets.add(oauth.refreshToken);
    const theirs = tokenSetOf(oauth, deps.now());
    if (envOnly()) {
      adopt(theirs, ++clock, deps.now().toISOString());
      return;
    }
    const { name, store } = await readProfile(profile, deps);
    const attempt = () =>
      store.transact(deps.signal, async (tx) => {
        const current = await tx.getProfile(name);
        if (!current) throw notLoggedIn(name);
        const decision = writeBackOf(name, current, theirs, held, deps.now());
        if (decision.write) await tx.writeProfile(name, decision.write);
        return decision.use === 'stored' ? (tokensOf(current) ?? theirs) : theirs;
      });
    let use: TokenSet;
    try {
      use = await attempt();
    } catch (error) {
      // The lock was taken over before the write (which was then not made): decide again on what is stored now.
      if (!isErrorCode(error, 'lock_lost')) throw error;
      use = await attempt();
    }
    // Numbered once written: any look at the profile from now on sees this write.
    adopt(use, ++clock, deps.now().toISOString());
  };

  /**
   * podio-js is about to send the token with a request. Normally the token has time left (refreshed ahead), and
   * the store looks at the profile again in the background (a refresh the CLI made reaches the next request).
   * If it has expired all the same (the machine slept, Podio could not be reached when it was due), podio-js
   * reads it now, synchronously, with nothing better to give it: it will get a 401 and refresh by itself, so
   * the library stands back rather than rotate the refresh token podio-js is about to use.
   */
  const accessTokenRead = () => {
    if (latest?.expiresAt !== undefined && latest.expiresAt <= nowMs() && latest.refreshToken) {
      watch.standBack();
      return;
    }
    loadInBackground();
  };

  /** Turns `target` into a live `authObject`: its fields read `latest`, and reading the token looks again. */
  const live = (target: object): PodioJsOAuth => {
    const fields: [keyof PodioJsOAuth, (current: Latest) => unknown][] = [
      ['accessToken', (current) => current.accessToken],
      ['refreshToken', (current) => watch.refreshTokenToShow(current.refreshToken)],
      ['expiresIn', (current) => secondsLeft(current.expiresAt, libraryDeps(env).now())],
      ['ref', (current) => current.ref],
      ['scope', (current) => current.scope],
    ];
    for (const [name, read] of fields) {
      Object.defineProperty(target, name, {
        enumerable: true,
        configurable: true,
        get: () => {
          if (name === 'accessToken') accessTokenRead();
          return latest ? read(latest) : undefined;
        },
        // Whoever assigns a field takes it over: from then on it is a plain value.
        set: (value: unknown) => {
          Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
        },
      });
    }
    return target as PodioJsOAuth;
  };

  return {
    get(_authType, callback) {
      track(load()).then(
        () => deliver(() => callback?.(live({}))),
        (error: unknown) => {
          report(error);
          deliver(() => callback?.(undefined));
        },
      );
    },
    set(podioOAuth, _authType, callback) {
      const done = () => {
        if (typeof callback === 'function') deliver(() => callback(null));
      };
      const accessToken = podioOAuth?.accessToken;
      if (typeof accessToken !== 'string' || accessToken === '') {
        watch.cleared();
        done();
        return;
      }
      const oauth = { ...podioOAuth, accessToken };
      track(writeBack(oauth)).then(
        () => {
          live(podioOAuth);
          watch.refreshed();
          done();
        },
        (error: unknown) => {
          // podio-js goes on with its own new token, which works whether or not it could be stored.
          report(error);
          watch.refreshed();
          done();
        },
      );
    },
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close() {
      closed = true;
      ahead.stop();
      stopListening();
    },
  };
}

function secondsLeft(expiresAt: number | undefined, now: Date): number | null {
  return expiresAt === undefined ? null : Math.max(0, Math.floor((expiresAt - now.getTime()) / 1000));
}

function asPodioAuthError(error: unknown): PodioAuthError {
  if (error instanceof PodioAuthError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PodioAuthError('podio_error', `The podio-js session store failed: ${message}`, { cause: error });
}

function writeToStderr(error: PodioAuthError): void {
  process.stderr.write(`podio-auth: ${error.message}${error.hint ? ` ${error.hint}` : ''}\n`);
}

/**
 * Calls podio-js back outside the promise chain, as a Node callback is called: an exception in its code (or the
 * app's) is neither taken for a failure of the store nor swallowed.
 */
function deliver(call: () => void): void {
  process.nextTick(call);
}
