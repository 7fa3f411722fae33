import type { Env } from '../env.js';
import { envValue } from '../env.js';
import { usageError } from '../errors.js';
import { defaultConfigDir } from './config-file.js';
import { DEFAULT_FILE_LOCK_TIMINGS } from './file-lock.js';
import { openFileStore } from './file-store.js';
import type { ProfileStore } from './port.js';

export interface StoreClock {
  now: () => Date;
  monotonic: () => number;
  /** Bound for every call to a remote store. */
  timeoutMs: number;
}

/** Which backend new logins use: PODIO_AUTH_STORE (`file`, `keyring`, `redis://…`). */
export type StoreChoice = { kind: 'file' } | { kind: 'keyring' } | { kind: 'redis'; url: string };

export function storeChoice(value: string | undefined, what = 'PODIO_AUTH_STORE'): StoreChoice {
  if (value === undefined || value === 'file') return { kind: 'file' };
  if (value === 'keyring') return { kind: 'keyring' };
  if (/^rediss?:\/\//.test(value)) return { kind: 'redis', url: value };
  throw usageError(`${what} must be file, keyring or a redis:// URL, not "${value.replace(/\/\/[^@/]*@/, '//…@').slice(0, 60)}".`);
}

/**
 * PODIO_AUTH_LOCK_STALE_SECONDS: how long a lock holder that shows no sign of life is waited for before it is taken
 * for dead (default 10). Longer for file systems where a heartbeat can stall; shorter in tests.
 */
export function lockStaleMs(env: Env): number {
  const raw = envValue(env, 'PODIO_AUTH_LOCK_STALE_SECONDS');
  if (raw === undefined) return DEFAULT_FILE_LOCK_TIMINGS.staleMs;
  const seconds = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || seconds < 1 || seconds > 600) {
    throw usageError(`PODIO_AUTH_LOCK_STALE_SECONDS must be a number of seconds from 1 to 600, not "${raw.slice(0, 40)}".`);
  }
  return seconds * 1000;
}

/** The store the profiles live in: Redis when PODIO_AUTH_STORE names a server, else the config file. */
export function openStore(env: Env, clock: StoreClock): ProfileStore {
  const choice = storeChoice(envValue(env, 'PODIO_AUTH_STORE'));
  if (choice.kind === 'redis') throw usageError('The Redis store is not available in this build.');
  const staleMs = lockStaleMs(env);
  // A holder does one token exchange (two requests at most) under the lock: wait for that, and some.
  const waitMs = Math.max(60_000, 2 * clock.timeoutMs + staleMs + 10_000);
  return openFileStore({
    dir: defaultConfigDir(env),
    lock: { now: clock.now, monotonic: clock.monotonic, timings: { staleMs, waitMs } },
  });
}
