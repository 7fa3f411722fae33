import { passwordlessServerOf } from '../../domain/redis-url.js';
import type { Env } from '../../env.js';
import { envValue, secondsSetting } from '../../env.js';
import { usageError } from '../../errors.js';
import type { ProfileStore, StoreClock } from '../port.js';
import { DEFAULT_REDIS_PREFIX } from './keyspace.js';
import { DEFAULT_LEASE_TTL_MS, DEFAULT_LOCK_WAIT_MS } from './lease.js';
import type { RedisProfileStore } from './store.js';
import { redisLocationOf, redisUserOf, withRedisPassword } from './url.js';

/**
 * The Redis store as the CLI and the library get it: configured from the environment, and connected on first use, so
 * that commands that never touch it (and `--help`, and `token` on a file profile) never load the client.
 */

/** What `doctor` asks of a Redis store beyond the port. */
export interface RedisStoreHandle extends RedisProfileStore {
  /** The user this store logs in as (`default` for a password alone), or undefined when it sends no password. */
  readonly user: string | undefined;
}

export function isRedisStore(store: ProfileStore): store is RedisStoreHandle {
  return store.kind === 'redis' && 'lockState' in store;
}

/**
 * PODIO_AUTH_REDIS_LEASE_SECONDS: how long the fleet-wide lock outlives a holder that stopped extending it (default
 * 10). A holder extends it every 30% of that while it works, so one that died frees the lock within this time.
 * Longer where a holder can stall (a paused VM) without being dead; shorter in tests.
 */
export function redisLeaseMs(env: Env): number {
  return secondsSetting(env, 'PODIO_AUTH_REDIS_LEASE_SECONDS', { min: 1, max: 600, defaultMs: DEFAULT_LEASE_TTL_MS });
}

/** The prefix of every key: PODIO_AUTH_REDIS_PREFIX, else `podio-auth:`. */
export function redisPrefixFrom(env: Env): string {
  return envValue(env, 'PODIO_AUTH_REDIS_PREFIX') ?? DEFAULT_REDIS_PREFIX;
}

/** Where a store is opened from: a pointer in config.json (its prefix, and every server the pointers there name). */
export interface PointerContext {
  prefix?: string | undefined;
  pointerServers?: ReadonlySet<string>;
}

/**
 * A Redis store at `url` that connects on first use, its keys under a pointer's own prefix, else the one the
 * environment names. A URL without a password takes PODIO_AUTH_REDIS_PASSWORD, so that neither a command line nor
 * config.json need hold it; but not a pointer's when the pointers in config.json name more than one server (or
 * user): the password is one server's, and would go to the others too.
 */
export function lazyRedisStore(url: string, env: Env, clock: StoreClock, from: PointerContext = {}): RedisStoreHandle {
  let opened: Promise<RedisProfileStore> | undefined;
  const prefix = from.prefix ?? redisPrefixFrom(env);
  const password = envValue(env, 'PODIO_AUTH_REDIS_PASSWORD');
  const servers = from.pointerServers ?? new Set<string>();
  const ambiguous = password !== undefined && servers.size > 1 && passwordlessServerOf(url) !== undefined;
  const fullUrl = ambiguous ? url : withRedisPassword(url, password);
  const ttlMs = redisLeaseMs(env);
  // A holder does one token exchange (two requests at most) under the lock: wait for that, and some.
  const waitMs = Math.max(DEFAULT_LOCK_WAIT_MS, 2 * clock.timeoutMs + ttlMs + 10_000);
  const open = async (signal: AbortSignal) => {
    if (ambiguous) throw passwordForWhichServer(servers);
    opened ??= import('./store.js').then(({ openRedisStore }) =>
      openRedisStore({
        url: fullUrl,
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
    location: redisLocationOf(url),
    prefix,
    user: redisUserOf(fullUrl),
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

function passwordForWhichServer(servers: ReadonlySet<string>) {
  const named = [...servers].sort().slice(0, 3).join(', ');
  return usageError(
    `config.json points to ${servers.size} Redis servers or users (${named}): PODIO_AUTH_REDIS_PASSWORD is one's password, so it is sent to none of them.`,
    "Keep each server's pointers in a config dir of their own (PODIO_AUTH_CONFIG_DIR), or name the server in PODIO_AUTH_STORE.",
  );
}
