import { setTimeout as delay } from 'node:timers/promises';
import { checkProfile } from '../../domain/profile.js';
import { interrupted, PodioAuthError } from '../../errors.js';
import { randomHex } from '../../platform/random-hex.js';
import type { ProfileStore, StoreSnapshot, StoreTransaction } from '../port.js';
import { connectRedis, type RedisConnection } from './connection.js';
import { type RedisDiagnostics, redisDiagnostics } from './diagnostics.js';
import { connectionDropped } from './errors.js';
import {
  DEFAULT_REDIS_PREFIX,
  DELETE_DEFAULT_SCRIPT,
  DELETE_PROFILE_SCRIPT,
  parseSnapshot,
  type RedisKeys,
  redisKeys,
  SET_DEFAULT_SCRIPT,
  SNAPSHOT_SCRIPT,
  WRITE_PROFILE_SCRIPT,
} from './keyspace.js';
import { createRedisLocker, type LeaseCommands, type LeaseTimers, type RedisLease } from './lease.js';
import { parseRedisUrl } from './url.js';

/**
 * Profiles kept in Redis, for a fleet of machines sharing one Podio login: the store port over one connection and the
 * fleet-wide lease. Every write is a fenced script, so a holder whose lease ran out writes nothing.
 */

export interface RedisStoreOptions {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url: string;
  /** Prefix of every key; default `podio-auth:`. */
  prefix?: string;
  /** The bound on connecting and on each command: the caller's HTTP timeout. */
  timeoutMs: number;
  /** Aborts opening the connection. */
  signal?: AbortSignal;
  /** Lease timings and timers; the defaults suit real use. */
  lock?: { ttlMs?: number; extendEveryMs?: number; waitMs?: number; timers?: LeaseTimers; random?: () => number };
}

export interface RedisProfileStore extends ProfileStore, RedisDiagnostics {
  readonly kind: 'redis';
  /** The keys' prefix. */
  readonly prefix: string;
}

export async function openRedisStore(options: RedisStoreOptions): Promise<RedisProfileStore> {
  const target = parseRedisUrl(options.url);
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  const keys = redisKeys(prefix);
  const connection = await connectRedis(target, options.timeoutMs, options.signal);
  const commands: LeaseCommands = {
    evalScript: (script, scriptKeys, args, signal) =>
      connection.send(['EVAL', script, String(scriptKeys.length), ...scriptKeys, ...args], signal),
  };
  const locker = createRedisLocker(commands, { key: keys.lock, location: target.location, ...options.lock });
  const readSnapshot = async (signal: AbortSignal): Promise<StoreSnapshot> => {
    const reply = await commands.evalScript(SNAPSHOT_SCRIPT, [keys.profiles, keys.default], [keys.profile('')], signal);
    return parseSnapshot(reply, keys, target);
  };
  const store: RedisProfileStore = {
    kind: 'redis',
    location: target.location,
    prefix,
    read: readSnapshot,
    getProfile: async (name, signal) => (await readSnapshot(signal)).profiles.get(name),
    checkWritable: (signal) => checkWritable(connection, prefix, signal),
    async transact<T>(signal: AbortSignal, fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
      const lease = await locker.acquire(signal);
      const tx = openTransaction({ lease, signal, keys, connection, commands, readSnapshot });
      try {
        return await fn(tx.transaction);
      } finally {
        tx.end();
        await lease.release();
      }
    },
    ...redisDiagnostics(connection, keys.lock),
    storeFor: async () => store,
    close: () => connection.close(),
  };
  return store;
}

/** A key under the prefix, written and removed: proves the server answers and the ACL lets this user write. */
async function checkWritable(connection: RedisConnection, prefix: string, signal: AbortSignal): Promise<void> {
  const probe = `${prefix}probe:${randomHex(6)}`;
  await connection.send(['SET', probe, '1', 'PX', '10000'], signal);
  await connection.send(['DEL', probe], signal);
}

interface TransactionParts {
  lease: RedisLease;
  signal: AbortSignal;
  keys: RedisKeys;
  connection: RedisConnection;
  commands: LeaseCommands;
  readSnapshot(signal: AbortSignal): Promise<StoreSnapshot>;
}

/** The port's transaction under `lease`; once ended, its writes refuse (a leaked transaction writes nothing). */
function openTransaction(parts: TransactionParts): { transaction: StoreTransaction; end(): void } {
  const { lease, signal, keys, readSnapshot } = parts;
  let open = true;
  const whileOpen = (): void => {
    if (!open) throw new PodioAuthError('lock_lost', 'This store transaction has ended; nothing was written.');
  };
  const write = (script: string, writeKeys: string[], args: string[]): Promise<void> =>
    fencedWrite(parts, script, writeKeys, args);
  const transaction: StoreTransaction = {
    ...(lease.tookOverSilentHolder ? { tookOverSilentHolder: true } : {}),
    read: () => readSnapshot(signal),
    getProfile: async (name) => (await readSnapshot(signal)).profiles.get(name),
    async writeProfile(name, record) {
      whileOpen();
      checkName(name);
      if (record === undefined) return write(DELETE_PROFILE_SCRIPT, [keys.profile(name), keys.profiles], [name]);
      const checked = checkProfile(record);
      // A record that would not read back would lock everyone out of the profile: refuse it here.
      if (!checked.ok) throw new Error(`Refusing to store profile "${name}": ${checked.problem}.`);
      return write(WRITE_PROFILE_SCRIPT, [keys.profile(name), keys.profiles], [name, JSON.stringify(record)]);
    },
    async setDefaultProfile(name) {
      whileOpen();
      if (name === undefined) return write(DELETE_DEFAULT_SCRIPT, [keys.default], []);
      checkName(name);
      return write(SET_DEFAULT_SCRIPT, [keys.default], [name]);
    },
  };
  return { transaction, end: () => (open = false) };
}

function checkName(name: string): void {
  if (name === '') throw new Error('A profile name cannot be empty.');
}

/**
 * The pauses before each new attempt at a write whose connection dropped: a few, short, so a failover that takes a
 * moment is ridden out and a server that is gone fails soon. Each attempt is bounded by the timeout as any call is.
 */
const WRITE_RETRIES = [50, 250, 1_000];

/**
 * One fenced script; sent again when the connection dropped on its way, because after Podio rotated a refresh token
 * this write is the only copy of the new one.
 */
async function fencedWrite(parts: TransactionParts, script: string, keys: string[], args: string[]): Promise<void> {
  const { lease, signal, commands, connection } = parts;
  for (let retry = 0; ; retry++) {
    // Known lost: write nothing, without asking Redis. Otherwise the script itself checks the token.
    lease.throwIfLost();
    try {
      const reply = await commands.evalScript(script, [lease.key, ...keys], [lease.token, ...args], signal);
      if (Number(reply) !== 1) throw lease.markLost();
      return;
    } catch (error) {
      // The connection dropped with the write on its way (a load balancer reset, CLIENT KILL, a failover): it may
      // or may not have run. Sent again over a fresh connection, it is the same fenced script: it lands once more
      // (the same values) while the lock holds this lease, and writes nothing once it does not.
      const dropped = connectionDropped(error, connection.errorKinds);
      if (retry >= WRITE_RETRIES.length || !dropped || signal.aborted) throw error;
      await pause(WRITE_RETRIES[retry] as number, signal);
    }
  }
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    throw interrupted(undefined, signal.reason);
  }
}
