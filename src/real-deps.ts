/** The real side effects, made once for a process (the CLI) or a library context. */
import { lookup } from 'node:dns/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Deps, InputStream, OutputStream } from './deps.js';
import type { Env } from './env.js';
import { createHttpClient, httpTimeoutMs } from './http.js';
import { createBrowserOpener } from './platform/browser-opener.js';
import { createSecretRegistry } from './secrets.js';
import { releaseHeldLocksSync } from './store/file/lock.js';
import { lazyRedisStore, openStore } from './store/open-store.js';
import { createPrompter } from './ui/prompt.js';

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
