import type { Env } from '../env.js';
import { PodioAuthError } from '../errors.js';
import { httpTimeoutMs } from '../http.js';
import type { TokenSet } from '../podio/token-client.js';
import type { FreshToken } from '../usecases/get-token.js';
import { isEnvOnly, libraryDeps, sharedFreshToken } from './library-context.js';
import type { PodioJsOAuth, PodioJsSessionStoreOptions } from './podio-js-api.js';
import { KnownTokens } from './podio-js-known-tokens.js';
import { liveAuthObject } from './podio-js-live-auth.js';
import { PodioJsRefreshWatch } from './podio-js-refresh-watch.js';
import { storeTheirTokens, tokenSetOf } from './podio-js-write-back.js';
import { RefreshAhead } from './refresh-ahead.js';
import { type RefreshGate, refreshGateFor } from './refresh-gate.js';

/**
 * The work behind one podio-js session store: looking at the profile (in the background while podio-js works),
 * refreshing ahead of expiry, writing podio-js's own refreshes back, and reporting failures podio-js cannot hear.
 */
export class PodioJsSession {
  private readonly known = new KnownTokens();
  readonly watch: PodioJsRefreshWatch;
  private readonly env: Env;
  private readonly gate: RefreshGate;
  private readonly ahead: RefreshAhead;
  private readonly stopListening: () => void;
  private readonly pending = new Set<Promise<unknown>>();
  private loading: Promise<unknown> | undefined;
  private lastReported: string | undefined;
  /** The profile `latest` came from (name and store), to know which of the library's refreshes are ours. */
  private source: { name: string; location: string } | undefined;
  private closed = false;

  constructor(private readonly options: PodioJsSessionStoreOptions) {
    this.env = options.env ?? process.env;
    this.gate = refreshGateFor(this.env);
    // podio-js's refresh is two requests and has no deadline of its own; ours would have ended by twice this.
    this.watch = new PodioJsRefreshWatch(this.gate, () => 2 * httpTimeoutMs(this.env));
    this.ahead = new RefreshAhead(
      () => this.nowMs(),
      () => this.loadInBackground(true),
    );
    // A refresh another caller in this process made (getToken, podioFetch) reaches podio-js in the same turn.
    this.stopListening = this.gate.onRotated((fresh) => this.adoptRotated(fresh));
  }

  /** Keeps `work` until it settles, for `settled()`. */
  track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    const forget = () => this.pending.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** The freshest token: the stored one while it has time left, else refreshed under the lock. */
  async load(ahead = false): Promise<void> {
    const deps = libraryDeps(this.env);
    const { profile } = this.options;
    const latest = this.known.latest;
    if (latest && this.envOnly()) {
      // Env-only: the tokens live in memory, and only refreshing ahead changes them, from the refresh token in
      // memory (the environment's may have been rotated away by the first use).
      if (!ahead) return;
      const seen = this.known.nextMoment();
      const fresh = await sharedFreshToken({ profile, envRefreshToken: latest.refreshToken }, deps);
      this.adopt(fresh.tokens, seen, deps.now().toISOString());
      return;
    }
    const seen = this.known.nextMoment();
    const fresh = await sharedFreshToken({ profile }, deps);
    if (fresh.source.kind === 'profile') this.source = { name: fresh.source.name, location: fresh.source.location };
    const obtainedAt = fresh.source.kind === 'profile' ? fresh.source.profile.obtained_at : undefined;
    this.adopt(fresh.tokens, seen, obtainedAt ?? deps.now().toISOString());
    this.lastReported = undefined;
  }

  /** Stores podio-js's own new tokens (env-only: keeps them in memory), and makes the ones to go on with newest. */
  async writeBack(oauth: Partial<PodioJsOAuth> & { accessToken: string }): Promise<void> {
    const deps = libraryDeps(this.env);
    deps.secrets.add(oauth.accessToken);
    if (oauth.refreshToken) deps.secrets.add(oauth.refreshToken);
    const theirs = tokenSetOf(oauth, deps.now());
    if (this.envOnly()) {
      this.adopt(theirs, this.known.nextMoment(), deps.now().toISOString());
      return;
    }
    const use = await storeTheirTokens(this.options.profile, theirs, this.known.held, deps);
    // Numbered once written: any look at the profile from now on sees this write.
    this.adopt(use, this.known.nextMoment(), deps.now().toISOString());
  }

  /** `target` as a live `authObject` on this session's tokens. */
  live(target: object): PodioJsOAuth {
    return liveAuthObject(target, {
      latest: () => this.known.latest,
      accessTokenRead: () => this.accessTokenRead(),
      refreshTokenToShow: (current) => this.watch.refreshTokenToShow(current),
      now: () => libraryDeps(this.env).now(),
    });
  }

  /** Tells the app's `onError` (by default one line on stderr), once per distinct failure in a row. */
  report(error: unknown): void {
    const failure = asPodioAuthError(error);
    // A profile logged out under a busy podio-js would otherwise be reported at each of its requests.
    if (failure.message === this.lastReported) return;
    this.lastReported = failure.message;
    (this.options.onError ?? writeToStderr)(failure);
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  close(): void {
    this.closed = true;
    this.ahead.stop();
    this.stopListening();
  }

  private envOnly(): boolean {
    return isEnvOnly(this.options.profile, this.env);
  }

  private nowMs(): number {
    return libraryDeps(this.env).now().getTime();
  }

  private adopt(tokens: TokenSet, seen: number, obtainedAt: string): void {
    if (this.known.adopt(tokens, seen, obtainedAt)) this.planRefreshAhead();
  }

  private adoptRotated(fresh: FreshToken): void {
    const from = fresh.source;
    const source = this.source;
    if (this.closed || from.kind !== 'profile' || from.name !== source?.name || from.location !== source.location)
      return;
    this.adopt(
      fresh.tokens,
      this.known.nextMoment(),
      from.profile.obtained_at ?? libraryDeps(this.env).now().toISOString(),
    );
  }

  /**
   * Refreshes ahead of expiry, by the margin `podio-auth token` keeps: podio-js, idle for longer than a token
   * lives, then finds a token with time left. After a failed try (Podio or the network down), tries again soon,
   * until the token has expired.
   */
  private planRefreshAhead(afterFailure = false): void {
    const latest = this.known.latest;
    if (this.closed || latest?.expiresAt === undefined) return;
    if (!afterFailure) {
      this.ahead.at(latest.expiresAt - latest.marginMs);
      return;
    }
    const now = this.nowMs();
    if (latest.expiresAt > now) this.ahead.at(now + Math.min(30_000, Math.max(1_000, latest.marginMs / 4)));
  }

  /** A look at the profile while podio-js works, one at a time (env-only: a refresh ahead, nothing to look at). */
  private loadInBackground(ahead = false): void {
    if (this.loading || (this.envOnly() && !ahead)) return;
    this.loading = this.track(
      this.load(ahead).then(
        // Also when this look adopted nothing: a wake-up that came while it was under way is not lost.
        () => this.planRefreshAhead(),
        (error: unknown) => {
          this.report(error);
          this.planRefreshAhead(true);
        },
      ),
    ).finally(() => {
      this.loading = undefined;
    });
  }

  /**
   * podio-js is about to send the token with a request. Normally the token has time left (refreshed ahead), and
   * the store looks at the profile again in the background (a refresh the CLI made reaches the next request).
   * If it has expired all the same (the machine slept, Podio could not be reached when it was due), podio-js
   * reads it now, synchronously, with nothing better to give it: it will get a 401 and refresh by itself, so
   * the library stands back rather than rotate the refresh token podio-js is about to use.
   */
  private accessTokenRead(): void {
    const latest = this.known.latest;
    if (latest?.expiresAt !== undefined && latest.expiresAt <= this.nowMs() && latest.refreshToken) {
      this.watch.standBack();
      return;
    }
    this.loadInBackground();
  }
}

function asPodioAuthError(error: unknown): PodioAuthError {
  if (error instanceof PodioAuthError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PodioAuthError('podio_error', `The podio-js session store failed: ${message}`, { cause: error });
}

function writeToStderr(error: PodioAuthError): void {
  process.stderr.write(`podio-auth: ${error.message}${error.hint ? ` ${error.hint}` : ''}\n`);
}
