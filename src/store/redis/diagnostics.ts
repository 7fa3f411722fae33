import type { RedisConnection } from './connection.js';
import { isRefusal } from './errors.js';

/** What `doctor` asks of a Redis store beyond the port: how fast it answers, the lock, and whether data survives. */

export type LockState = { held: false } | { held: true; ttlMs: number };

/**
 * Whether the server keeps its data across a restart: `appendonly` and the RDB `save` points where this user may
 * read the configuration (CONFIG GET), else `aof` alone from INFO; `unknown` when neither is allowed.
 */
export type Persistence =
  | { known: 'config'; aof: boolean; rdb: boolean }
  | { known: 'info'; aof: boolean }
  | { known: 'unknown' };

export interface RedisDiagnostics {
  /** One PING; resolves to its round-trip time in milliseconds. */
  ping(signal: AbortSignal): Promise<number>;
  /** Whether someone holds the lock, and for how much longer unless extended. */
  lockState(signal: AbortSignal): Promise<LockState>;
  /** Whether the data survives a restart of the server, as far as this user may ask. */
  persistence(signal: AbortSignal): Promise<Persistence>;
}

export function redisDiagnostics(connection: RedisConnection, lockKey: string): RedisDiagnostics {
  return {
    async ping(signal) {
      const started = performance.now();
      await connection.send(['PING'], signal);
      return performance.now() - started;
    },
    async lockState(signal) {
      const ttl = Number(await connection.send(['PTTL', lockKey], signal));
      // -2: no such key; -1: a key without expiry (set by hand), which only a person can clear.
      if (ttl === -2) return { held: false };
      return { held: true, ttlMs: ttl === -1 ? Number.POSITIVE_INFINITY : ttl };
    },
    persistence: (signal) => persistence(connection, signal),
  };
}

async function persistence(connection: RedisConnection, signal: AbortSignal): Promise<Persistence> {
  // A refused command (NOPERM for a user limited to the prefix; managed services rename CONFIG) only means this way
  // of asking is closed; a connection that fails is reported as such.
  const unlessRefused = async (args: string[]): Promise<string[] | undefined> => {
    try {
      const reply = await connection.send(args, signal);
      return Array.isArray(reply) ? reply.map(String) : [String(reply)];
    } catch (error) {
      if (isRefusal(error, connection.errorKinds)) return undefined;
      throw error;
    }
  };
  // One name per CONFIG GET: servers before Redis 7 take a single pattern.
  const appendonly = await unlessRefused(['CONFIG', 'GET', 'appendonly']);
  if (appendonly?.[1] !== undefined) {
    const save = await unlessRefused(['CONFIG', 'GET', 'save']);
    return { known: 'config', aof: appendonly[1] === 'yes', rdb: (save?.[1] ?? '').trim() !== '' };
  }
  const info = await unlessRefused(['INFO', 'persistence']);
  const aof = /^aof_enabled:(\d)/m.exec(info?.[0] ?? '')?.[1];
  return aof === undefined ? { known: 'unknown' } : { known: 'info', aof: aof === '1' };
}
