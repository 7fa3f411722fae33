import { sanitizeForTerminal } from '../domain/terminal-text.js';
import type { Env } from '../env.js';
import { envValue, secondsSetting } from '../env.js';
import { isErrorCode, type PodioAuthError, usageError } from '../errors.js';
import { defaultConfigDir } from './config-file.js';
import { DEFAULT_FILE_LOCK_TIMINGS } from './file-lock.js';
import { openFileStore } from './file-store.js';
import { DEFAULT_KEYRING_TIMEOUT_MS } from './keyring-entries.js';
import type { ProfileStore } from './port.js';
import { DEFAULT_LEASE_TTL_MS, DEFAULT_LOCK_WAIT_MS } from './redis/lease.js';
import type { LockState, Persistence, RedisProfileStore } from './redis/store.js';

export interface StoreClock {
  now: () => Date;
  monotonic: () => number;
  /** Bound for every call to a remote store. */
  timeoutMs: number;
}

/** Which backend new logins use: PODIO_AUTH_STORE (`file`, `keyring`, `redis://…`). */
export type StoreChoice = { kind: 'file' } | { kind: 'keyring' } | { kind: 'redis'; url: string };

/** What may be a password, out: whatever comes before the last @, after the scheme (however many slashes). */
function withoutCredentials(value: string): string {
  return sanitizeForTerminal(
    value.replace(/^([a-z][a-z0-9+.-]*:\/*)?.*@/i, (_, scheme = '') => `${scheme}…@`),
    200,
  );
}

export function storeChoice(value: string | undefined, what = 'PODIO_AUTH_STORE'): StoreChoice {
  if (value === undefined || value === 'file') return { kind: 'file' };
  if (value === 'keyring') return { kind: 'keyring' };
  if (/^rediss?:\/\//.test(value)) return { kind: 'redis', url: value };
  throw usageError(`${what} must be file, keyring or a redis:// URL, not "${withoutCredentials(value).slice(0, 60)}".`);
}

/** PODIO_AUTH_KEYRING_TIMEOUT: how long a keyring call may take (an unlock prompt on a desktop needs a while). */
export function keyringTimeoutMs(env: Env): number {
  return secondsSetting(env, 'PODIO_AUTH_KEYRING_TIMEOUT', { min: 1, max: 600, defaultMs: DEFAULT_KEYRING_TIMEOUT_MS });
}

/**
 * PODIO_AUTH_LOCK_STALE_SECONDS: how long a lock holder that shows no sign of life is waited for before it is taken
 * for dead (default 10). Longer for file systems where a heartbeat can stall; shorter in tests.
 */
export function lockStaleMs(env: Env): number {
  return secondsSetting(env, 'PODIO_AUTH_LOCK_STALE_SECONDS', {
    min: 1,
    max: 600,
    defaultMs: DEFAULT_FILE_LOCK_TIMINGS.staleMs,
  });
}

/**
 * PODIO_AUTH_REDIS_LEASE_SECONDS: how long the fleet-wide lock outlives a holder that stopped extending it (default
 * 10). A holder extends it every 30% of that while it works, so one that died frees the lock within this time.
 * Longer where a holder can stall (a paused VM) without being dead; shorter in tests.
 */
export function redisLeaseMs(env: Env): number {
  return secondsSetting(env, 'PODIO_AUTH_REDIS_LEASE_SECONDS', { min: 1, max: 600, defaultMs: DEFAULT_LEASE_TTL_MS });
}

/** What `doctor` asks of a Redis store beyond the port. */
export interface RedisStoreHandle extends ProfileStore {
  readonly kind: 'redis';
  readonly prefix: string;
  /** The user this store logs in as (`default` for a password alone), or undefined when it sends no password. */
  readonly user: string | undefined;
  ping(signal: AbortSignal): Promise<number>;
  lockState(signal: AbortSignal): Promise<LockState>;
  persistence(signal: AbortSignal): Promise<Persistence>;
}

export function isRedisStore(store: ProfileStore): store is RedisStoreHandle {
  return store.kind === 'redis' && 'lockState' in store;
}

/**
 * A Redis store that connects on first use, so that commands that never touch it (and `--help`) never load the
 * client or wait for a server. A URL without a password takes PODIO_AUTH_REDIS_PASSWORD, so that neither a
 * command line nor config.json need hold it.
 */
export function lazyRedisStore(url: string, env: Env, clock: StoreClock): RedisStoreHandle {
  let opened: Promise<RedisProfileStore> | undefined;
  const location = redisLocationOf(url);
  const prefix = envValue(env, 'PODIO_AUTH_REDIS_PREFIX') ?? 'podio-auth:';
  const ttlMs = redisLeaseMs(env);
  // A holder does one token exchange (two requests at most) under the lock: wait for that, and some.
  const waitMs = Math.max(DEFAULT_LOCK_WAIT_MS, 2 * clock.timeoutMs + ttlMs + 10_000);
  const open = async (signal: AbortSignal) => {
    opened ??= import('./redis/store.js').then(({ openRedisStore }) =>
      openRedisStore({
        url: withPassword(url, env),
        prefix,
        timeoutMs: clock.timeoutMs,
        signal,
        lock: { ttlMs, extendEveryMs: Math.round(ttlMs * 0.3), waitMs },
      }),
    );
    try {
      return await opened;
    } catch (error) {
      opened = undefined;
      throw error;
    }
  };
  const store: RedisStoreHandle = {
    kind: 'redis',
    location,
    prefix,
    user: userOf(withPassword(url, env)),
    read: async (signal) => (await open(signal)).read(signal),
    getProfile: async (name, signal) => (await open(signal)).getProfile(name, signal),
    checkWritable: async (signal, secrets) => (await open(signal)).checkWritable(signal, secrets),
    transact: async (signal, fn) => (await open(signal)).transact(signal, fn),
    ping: async (signal) => (await open(signal)).ping(signal),
    lockState: async (signal) => (await open(signal)).lockState(signal),
    persistence: async (signal) => (await open(signal)).persistence(signal),
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
    // The store reads neither a query nor a fragment, and some clients take a password there.
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'redis://(invalid URL)';
  }
}

function userOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return undefined;
    return parsed.username === '' ? 'default' : decodeURIComponent(parsed.username);
  } catch {
    return undefined;
  }
}

/** A URL with a password keeps it; one without takes PODIO_AUTH_REDIS_PASSWORD (a pointer's URL never has one). */
function withPassword(url: string, env: Env): string {
  const password = envValue(env, 'PODIO_AUTH_REDIS_PASSWORD');
  if (password === undefined) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // parseRedisUrl says what is wrong with it, without repeating it.
    return url;
  }
  if (parsed.password !== '') return url;
  parsed.password = encodeURIComponent(password);
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
  let dir: string;
  try {
    dir = defaultConfigDir(env);
  } catch (error) {
    // No home directory: the commands that need no store (help, completion, the emulator) still work.
    if (isErrorCode(error, 'no_config_dir')) return storeThatFails(error);
    throw error;
  }
  return openFileStore({
    dir,
    lock: { now: clock.now, monotonic: clock.monotonic, timings: { staleMs, waitMs } },
    // Loaded only when a keyring profile is touched: the file store's `token` never pays for it.
    openVault: async () =>
      (await import('./keyring-vault.js')).createKeyringVault({ env, timeoutMs: keyringTimeoutMs(env) }),
    openPointer: (redisUrl) => lazyRedisStore(redisUrl, env, clock),
  });
}

/** A store there is no place for: every use says why. */
function storeThatFails(error: PodioAuthError): ProfileStore {
  const fail = async (): Promise<never> => {
    throw error;
  };
  return {
    kind: 'file',
    location: '(no config directory)',
    read: fail,
    getProfile: fail,
    checkWritable: fail,
    transact: fail,
    storeFor: fail,
    close: async () => {},
  };
}

/**
 * Runs `work` with a Redis opener whose stores are closed when it ends: a store opened for `--store redis://…` is
 * the command's own, and its connection would keep the process alive.
 */
export async function closingOpened<D extends { openRedis: (url: string) => ProfileStore }, T>(
  deps: D,
  work: (deps: D) => Promise<T>,
): Promise<T> {
  const opened: ProfileStore[] = [];
  const openRedis = (url: string): ProfileStore => {
    const store = deps.openRedis(url);
    opened.push(store);
    return store;
  };
  try {
    return await work({ ...deps, openRedis });
  } finally {
    await Promise.allSettled(opened.map((store) => store.close()));
  }
}
