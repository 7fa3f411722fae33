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
  throw usageError(
    `${what} must be file, keyring or a redis:// URL, not "${value.replace(/\/\/[^@/]*@/, '//…@').slice(0, 60)}".`,
  );
}

/** PODIO_AUTH_KEYRING_TIMEOUT: how long a keyring call may take (an unlock prompt on a desktop needs a while). */
export function keyringTimeoutMs(env: Env): number {
  const raw = envValue(env, 'PODIO_AUTH_KEYRING_TIMEOUT');
  if (raw === undefined) return 20_000;
  const seconds = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || seconds < 1 || seconds > 600) {
    throw usageError(
      `PODIO_AUTH_KEYRING_TIMEOUT must be a number of seconds from 1 to 600, not "${raw.slice(0, 40)}".`,
    );
  }
  return seconds * 1000;
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
    throw usageError(
      `PODIO_AUTH_LOCK_STALE_SECONDS must be a number of seconds from 1 to 600, not "${raw.slice(0, 40)}".`,
    );
  }
  return seconds * 1000;
}

/**
 * A Redis store that connects on first use, so that commands that never touch it (and `--help`) never load the
 * client or wait for a server.
 */
export function lazyRedisStore(url: string, env: Env, clock: StoreClock): ProfileStore {
  let opened: Promise<ProfileStore> | undefined;
  const location = redisLocationOf(url);
  const open = async (signal: AbortSignal) => {
    opened ??= import('./redis-store.js').then(({ openRedisStore }) =>
      openRedisStore({
        url,
        prefix: envValue(env, 'PODIO_AUTH_REDIS_PREFIX') ?? 'podio-auth:',
        timeoutMs: clock.timeoutMs,
        signal,
      }),
    );
    try {
      return await opened;
    } catch (error) {
      opened = undefined;
      throw error;
    }
  };
  const store: ProfileStore = {
    kind: 'redis',
    location,
    read: async (signal) => (await open(signal)).read(signal),
    getProfile: async (name, signal) => (await open(signal)).getProfile(name, signal),
    checkWritable: async (signal, secrets) => (await open(signal)).checkWritable(signal, secrets),
    transact: async (signal, fn) => (await open(signal)).transact(signal, fn),
    storeFor: async () => store,
    close: async () => {
      const current = opened;
      opened = undefined;
      if (current !== undefined) await (await current.catch(() => undefined))?.close();
    },
  };
  return store;
}

/** `redis://user:…@host:port/db` for messages: never the password. */
export function redisLocationOf(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'redis://(invalid URL)';
  }
}

/** A pointer's URL has no password (nothing secret on local disk): it comes from PODIO_AUTH_REDIS_PASSWORD. */
function withPassword(url: string, env: Env): string {
  const password = envValue(env, 'PODIO_AUTH_REDIS_PASSWORD');
  if (password === undefined) return url;
  const parsed = new URL(url);
  parsed.password = password;
  if (!parsed.username) parsed.username = 'default';
  return parsed.toString();
}

/** The store the profiles live in: Redis when PODIO_AUTH_STORE names a server, else the config file. */
export function openStore(env: Env, clock: StoreClock): ProfileStore {
  const choice = storeChoice(envValue(env, 'PODIO_AUTH_STORE'));
  if (choice.kind === 'redis') return lazyRedisStore(choice.url, env, clock);
  const staleMs = lockStaleMs(env);
  // A holder does one token exchange (two requests at most) under the lock: wait for that, and some.
  const waitMs = Math.max(60_000, 2 * clock.timeoutMs + staleMs + 10_000);
  return openFileStore({
    dir: defaultConfigDir(env),
    lock: { now: clock.now, monotonic: clock.monotonic, timings: { staleMs, waitMs } },
    // Loaded only when a keyring profile is touched: the file store's `token` never pays for it.
    openVault: async () =>
      (await import('./keyring-vault.js')).createKeyringVault({ env, timeoutMs: keyringTimeoutMs(env) }),
    openPointer: (redisUrl) => lazyRedisStore(withPassword(redisUrl, env), env, clock),
  });
}
