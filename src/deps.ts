import { lookup } from 'node:dns/promises';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { Env } from './env.js';
import { createHttpClient, type HttpClient, httpTimeoutMs } from './http.js';
import { type BrowserOpener, createBrowserOpener } from './platform/browser-opener.js';
import { createSecretRegistry, type SecretRegistry } from './secrets.js';
import { releaseHeldLocksSync } from './store/file/lock.js';
import { lazyRedisStore, openStore } from './store/open-store.js';
import type { ProfileStore } from './store/port.js';
import { createPrompter } from './ui/prompt.js';

/** A readable that may be a terminal (process.stdin is a tty.ReadStream there). */
export type InputStream = Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
export type OutputStream = Writable & { isTTY?: boolean };

/** Questions for the person at the terminal (stderr), answered on stdin. */
export interface Prompter {
  /** One line; with `hidden`, nothing typed is echoed (secrets). Ctrl-C and Ctrl-D cancel. */
  ask(question: string, options?: { hidden?: boolean }): Promise<string>;
  /** All of standard input, bounded: a secret piped in. */
  readAll(): Promise<string>;
}

/** Resolves a host name to addresses (to check that a redirect host points at this machine). */
export type Resolver = (host: string) => Promise<string[]>;

/**
 * Every side effect the use cases have, in one object. The launcher builds the real one; tests replace it whole
 * (a fake clock, captured streams, the emulator's origin) instead of patching globals.
 */
export interface Deps {
  env: Env;
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Aborted by the first Ctrl-C / SIGTERM: waiting, prompting and anything not yet sent stops at once. */
  signal: AbortSignal;
  /**
   * Aborted only by a second signal. A token request already on the wire runs under this one, so its answer (a
   * rotated refresh token) is stored even when the user pressed Ctrl-C once.
   */
  forceSignal: AbortSignal;
  /**
   * Marks a token request, so the launcher can tell the user why the first Ctrl-C did not end it at once. `work`
   * calls `markSent` once the request is written: only from then on does a first signal wait for the answer
   * (before, nothing reached Podio, and the signal ends the command at once).
   */
  critical<T>(work: (markSent: () => void) => Promise<T>): Promise<T>;
  now: () => Date;
  /** Milliseconds from an arbitrary start, never going back: for timeouts and lock waits. */
  monotonic: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  http: HttpClient;
  /** Where profiles live: PODIO_AUTH_STORE's Redis, else the config file (whose pointers may lead to Redis). */
  store: ProfileStore;
  /** A Redis store at `url` (for `login --store redis://…`), connected on first use. */
  openRedis: (url: string) => ProfileStore;
  openBrowser: BrowserOpener;
  prompter: Prompter;
  resolve: Resolver;
  /** Every secret seen so far, for the last redaction before anything is printed. */
  secrets: SecretRegistry;
  /** A trace line for `--debug` (on stderr, secrets redacted); nothing otherwise. */
  debug: (message: string) => void;
  /**
   * While a listener is registered, SIGINT/SIGTERM/SIGHUP go to it instead of aborting `signal` (`exec` forwards
   * them to its command). Returns the function that unregisters it.
   */
  onSignal: (listener: (signal: NodeJS.Signals) => void) => () => void;
  /** Ends this process by a signal (as the command `exec` ran was ended); absent where there is no process to end. */
  endBySignal?: (signal: NodeJS.Signals) => void;
  /** Releases at once, synchronously, every lock this process holds: for an exit that cannot wait (a second Ctrl-C). */
  releaseLocksNow: () => void;
}

export interface ProcessSide {
  env: Env;
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  signal: AbortSignal;
  forceSignal?: AbortSignal;
  critical?: Deps['critical'];
  onSignal?: Deps['onSignal'];
  endBySignal?: Deps['endBySignal'];
}

/** The real side effects. Throws a usage error for a bad PODIO_AUTH_HTTP_TIMEOUT or PODIO_AUTH_STORE. */
export function createDeps(side: ProcessSide): Deps {
  const timeoutMs = httpTimeoutMs(side.env);
  const secrets = createSecretRegistry();
  secrets.addEnv(side.env);
  const now = () => new Date();
  const monotonic = () => performance.now();
  const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal });
  return {
    env: side.env,
    stdin: side.stdin,
    stdout: side.stdout,
    stderr: side.stderr,
    signal: side.signal,
    forceSignal: side.forceSignal ?? side.signal,
    critical: side.critical ?? ((work) => work(() => {})),
    onSignal: side.onSignal ?? (() => () => {}),
    ...(side.endBySignal ? { endBySignal: side.endBySignal } : {}),
    now,
    monotonic,
    sleep,
    http: createHttpClient(side.env, timeoutMs),
    store: openStore(side.env, { now, monotonic, timeoutMs }),
    openRedis: (url) => lazyRedisStore(url, side.env, { now, monotonic, timeoutMs }),
    openBrowser: createBrowserOpener(side.env),
    prompter: createPrompter(side),
    resolve: async (host) => (await lookup(host, { all: true })).map((entry) => entry.address),
    secrets,
    debug: () => {},
    releaseLocksNow: releaseHeldLocksSync,
  };
}

/** Closes what the side effects opened (HTTP connections, a Redis client), so the process can end by itself. */
export async function closeDeps(deps: Deps): Promise<void> {
  await Promise.allSettled([deps.http.close?.(), deps.store.close()]);
}
