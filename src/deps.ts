import type { Readable, Writable } from 'node:stream';
import { createBrowserOpener, type BrowserOpener } from './browser.js';
import { createHttpClient, httpTimeoutMs, type HttpClient } from './http.js';
import type { Env } from './output.js';

/** A readable that may be a terminal (process.stdin is a tty.ReadStream there). */
export type InputStream = Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
export type OutputStream = Writable & { isTTY?: boolean };

/**
 * Every side effect the commands have, in one object. `bin/podio-auth.js` builds the real one; tests replace
 * it whole instead of patching globals.
 */
export interface Deps {
  env: Env;
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  now: () => Date;
  http: HttpClient;
  openBrowser: BrowserOpener;
  /**
   * While a listener is registered, SIGINT/SIGTERM/SIGHUP go to it instead of aborting `signal` (`exec` forwards
   * them to its command). Returns the function that unregisters it.
   */
  onSignal: (listener: (signal: NodeJS.Signals) => void) => () => void;
}

export function createDeps(options: {
  env: Env;
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  signal: AbortSignal;
  onSignal: Deps['onSignal'];
}): Deps {
  return {
    ...options,
    now: () => new Date(),
    http: createHttpClient(options.env, httpTimeoutMs(options.env)),
    openBrowser: createBrowserOpener(options.env),
  };
}
