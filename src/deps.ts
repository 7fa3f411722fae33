/**
 * The ports: every side effect a use case has, as types only. The real ones are made in real-deps.ts; tests make
 * their own.
 */
import type { Readable, Writable } from 'node:stream';
import type { Env } from './env.js';
import type { HttpClient } from './http.js';
import type { BrowserOpener } from './platform/browser-opener.js';
import type { SecretRegistry } from './secrets.js';
import type { ProfileStore } from './store/port.js';

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
