import { sanitizeForTerminal } from '../domain/terminal-text.js';
import type { Env } from '../env.js';
import { envValue, secondsSetting } from '../env.js';
import { isErrorCode, type PodioAuthError, usageError } from '../errors.js';
import { defaultConfigDir } from './file/config-file.js';
import { DEFAULT_FILE_LOCK_TIMINGS } from './file/lock.js';
import { openFileStore } from './file/store.js';
import { DEFAULT_KEYRING_TIMEOUT_MS } from './keyring/entries.js';
import type { KeyringVault } from './keyring/vault.js';
import type { ProfileStore, StoreClock } from './port.js';
import { lazyRedisStore } from './redis/lazy-store.js';

// What the callers that choose a store need of Redis, kept importable from here.
export {
  isRedisStore,
  lazyRedisStore,
  type RedisStoreHandle,
  redisLeaseMs,
  redisPrefixFrom,
} from './redis/lazy-store.js';
export { redisLocationOf } from './redis/url.js';

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

/** The OS keyring, bounded by PODIO_AUTH_KEYRING_TIMEOUT; its module is loaded only when a keyring is needed. */
export async function openKeyringVault(env: Env): Promise<KeyringVault> {
  const { createKeyringVault } = await import('./keyring/vault.js');
  return createKeyringVault({ env, timeoutMs: keyringTimeoutMs(env) });
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
    openVault: () => openKeyringVault(env),
    openPointer: (redisUrl, prefix, servers) =>
      lazyRedisStore(redisUrl, env, clock, { prefix, pointerServers: servers }),
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
