import { setTimeout as delay } from 'node:timers/promises';
import { interrupted, PodioAuthError } from '../../errors.js';
import { randomHex } from '../../platform/random-hex.js';
import type { Lease, Locker } from '../port.js';

/**
 * The fleet-wide lock: the single-instance Redis lock (`SET key token NX PX ttl`; extend and delete only by
 * compare-and-act scripts) with a short lease that a live holder keeps extending. A holder that was stopped may wake
 * after another took over: that is why every write is fenced (`fencedScript`).
 */

/** The Redis call the lock needs; the store supplies it over its connection. */
export interface LeaseCommands {
  /** `EVAL script` with these keys and arguments. */
  evalScript(script: string, keys: string[], args: string[], signal: AbortSignal | undefined): Promise<unknown>;
}

/** Time, injectable so a test can stop the extension timer or the clock. */
export interface LeaseTimers {
  now(): number;
  /** Resolves after `ms`; rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Calls `fn` every `ms` until the returned function is called. Must not keep the process alive by itself. */
  repeat(ms: number, fn: () => void): () => void;
}

export const realLeaseTimers: LeaseTimers = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }),
  repeat: (ms, fn) => {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

export interface RedisLockOptions {
  /** The lock's key, e.g. `podio-auth:lock`. */
  key: string;
  /** Where the lock lives, for messages: the Redis URL without its password. */
  location: string;
  /** How long the lease lasts without an extension; a dead holder frees the lock after this. */
  ttlMs?: number;
  /** How often the holder extends its lease; well under `ttlMs`, so one late or failed extension is survivable. */
  extendEveryMs?: number;
  /** How long a waiter waits for the lock before giving up with `lock_timeout`. */
  waitMs?: number;
  timers?: LeaseTimers;
  /** In [0, 1): the jitter of the waiters' backoff. */
  random?: () => number;
}

export const DEFAULT_LEASE_TTL_MS = 10_000;
export const DEFAULT_LEASE_EXTEND_EVERY_MS = 3_000;
export const DEFAULT_LOCK_WAIT_MS = 60_000;
const BACKOFF_FIRST_MS = 20;
const BACKOFF_MAX_MS = 400;

/**
 * Takes the lock if it is free, as `SET NX PX`; otherwise returns its holder's token. KEYS[1] = lock, ARGV[1] =
 * token, ARGV[2] = ttl in ms. Returns nil when this call took it.
 */
const TAKE_SCRIPT = `local holder = redis.call('GET', KEYS[1])
if holder then return holder end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;
/**
 * Deletes the lock only if it still holds our token, and records that this token let go. KEYS[1] = lock, KEYS[2] =
 * the record, ARGV[1] = token, ARGV[2] = how long the record lasts, in ms.
 */
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;
/** Where the last holder to release the lock left its token. */
export const releasedKey = (key: string): string => `${key}:released`;
/** Extends the lease only if the lock still holds our token. ARGV[2] = ttl in ms. */
const EXTEND_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const CHECK_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0`;

/**
 * A write guarded by the lock, as one script: it runs `body` only when the lock (KEYS[1]) still holds the token
 * (ARGV[1]), and returns 1 if it did, 0 if not. Being one script, nothing can come between the check and the write.
 * `body` uses KEYS[2..] and ARGV[2..].
 */
export function fencedScript(body: string): string {
  return `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n${body}\nreturn 1`;
}

export interface RedisLease extends Lease {
  /** The random value in the lock key while this lease holds it (not a secret: it only names the holder). */
  readonly token: string;
  /** The lock's key, KEYS[1] of a fenced script. */
  readonly key: string;
  /** True once this holder knows it no longer holds the lock. */
  readonly lost: boolean;
  /** Throws `lock_lost` if the lease is known to be gone (without asking Redis). */
  throwIfLost(): void;
  /** Records that a fenced write found another token (or none) in the lock, and returns the error to throw. */
  markLost(): PodioAuthError;
}

export interface RedisLocker extends Locker {
  acquire(signal: AbortSignal): Promise<RedisLease>;
}

export function newLockToken(): string {
  return randomHex(16);
}

export function createRedisLocker(commands: LeaseCommands, options: RedisLockOptions): RedisLocker {
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const extendEveryMs = options.extendEveryMs ?? DEFAULT_LEASE_EXTEND_EVERY_MS;
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  const timers = options.timers ?? realLeaseTimers;
  const random = options.random ?? Math.random;
  const { key, location } = options;
  if (!(extendEveryMs > 0 && extendEveryMs < ttlMs)) throw new RangeError('extendEveryMs must be between 0 and ttlMs');

  return {
    async acquire(signal) {
      const token = newLockToken();
      const deadline = timers.now() + waitMs;
      /** The last holder seen while waiting: did it let go, or go silent? */
      let lastHolder: string | undefined;
      for (let attempt = 0; ; attempt++) {
        if (signal.aborted) throw interrupted(undefined, signal.reason);
        const sentAt = timers.now();
        let holder: unknown;
        try {
          holder = await commands.evalScript(TAKE_SCRIPT, [key], [token, String(ttlMs)], signal);
        } catch (error) {
          // Aborted or timed out after the script went out, it may still take the lock: undo that (only our token
          // is deleted), so that a waiter that went away does not leave the lock held for a whole ttl.
          void release(commands, key, token, ttlMs).catch(() => undefined);
          throw error;
        }
        if (holder === null || holder === undefined) {
          const tookOverSilentHolder =
            lastHolder !== undefined && (await leftSilently(commands, key, lastHolder, signal));
          return holdLease({
            commands,
            timers,
            key,
            location,
            token,
            ttlMs,
            extendEveryMs,
            acquiredAt: sentAt,
            tookOverSilentHolder,
          });
        }
        lastHolder = String(holder);
        const left = deadline - timers.now();
        if (left <= 0) {
          throw new PodioAuthError(
            'lock_timeout',
            `Another podio-auth has held the lock ${key} on ${location} for over ${formatSeconds(waitMs)}.`,
            { hint: `Its lease lasts ${formatSeconds(ttlMs)} unless its holder extends it; try again shortly.` },
          );
        }
        // Equal jitter: half the backoff fixed, half random, so waiters that started together drift apart.
        const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt);
        try {
          await timers.sleep(Math.min(left, backoff / 2 + (random() * backoff) / 2), signal);
        } catch {
          throw interrupted(undefined, signal.reason);
        }
      }
    },
  };
}

/**
 * How long a release may take. It is best effort (a lease not deleted runs out by itself), so a Redis that stopped
 * answering costs this much, not another full timeout, after the command's own failure.
 */
const RELEASE_BOUND_MS = 2_000;

function release(commands: LeaseCommands, key: string, token: string, ttlMs: number): Promise<unknown> {
  return commands.evalScript(
    RELEASE_SCRIPT,
    [key, releasedKey(key)],
    [token, String(RELEASED_MARK_TTL_FACTOR * ttlMs)],
    AbortSignal.timeout(RELEASE_BOUND_MS),
  );
}

/** How long the release record lasts, in leases: far longer than a waiter's poll, and gone soon after. */
const RELEASED_MARK_TTL_FACTOR = 3;

/** True when `holder` is not the last to have released the lock: its lease ran out (it was stopped, or died). */
async function leftSilently(
  commands: LeaseCommands,
  key: string,
  holder: string,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    const released = await commands.evalScript(GET_SCRIPT, [releasedKey(key)], [], signal);
    return released !== holder;
  } catch {
    // Unknown: count it as silent, which only softens what a rejected refresh token is taken to mean.
    return true;
  }
}

const GET_SCRIPT = `return redis.call('GET', KEYS[1])`;

interface HeldLease {
  commands: LeaseCommands;
  timers: LeaseTimers;
  key: string;
  location: string;
  token: string;
  ttlMs: number;
  extendEveryMs: number;
  /** When the SET that took the lock was sent: the lease surely ends by this plus ttl. */
  acquiredAt: number;
  /** The holder before this one let its lease run out instead of releasing it. */
  tookOverSilentHolder: boolean;
}

function holdLease(held: HeldLease): RedisLease {
  const { commands, timers, key, token, ttlMs } = held;
  // Measured from when each successful extension was *sent*: Redis started its ttl later, so this errs early.
  let validUntil = held.acquiredAt + ttlMs;
  let lost = false;
  let released = false;
  let extending = false;

  const lostError = (): PodioAuthError =>
    new PodioAuthError(
      'lock_lost',
      `Lost the lock ${key} on ${held.location}: this process was held up past its lease, so another may have taken ` +
        'over. Nothing was written.',
    );
  const expiredLocally = (): boolean => timers.now() >= validUntil;
  const markLost = (): PodioAuthError => {
    lost = true;
    stopExtending();
    return lostError();
  };

  const extend = async (): Promise<void> => {
    if (extending || lost || released) return;
    extending = true;
    const sentAt = timers.now();
    try {
      const reply = await commands.evalScript(EXTEND_SCRIPT, [key], [token, String(ttlMs)], undefined);
      if (Number(reply) === 1) validUntil = sentAt + ttlMs;
      else markLost();
    } catch {
      // Redis did not answer this time; the next tick tries again. Past the ttl the lease is gone for sure.
      if (expiredLocally()) markLost();
    } finally {
      extending = false;
    }
  };
  const stopExtending = timers.repeat(held.extendEveryMs, () => void extend());
  const throwIfLost = (): void => {
    if (lost) throw lostError();
    if (expiredLocally()) throw markLost();
  };

  return {
    token,
    key,
    ...(held.tookOverSilentHolder ? { tookOverSilentHolder: true } : {}),
    get lost() {
      return lost || expiredLocally();
    },
    throwIfLost,
    markLost,
    async assertHeld() {
      throwIfLost();
      const reply = await commands.evalScript(CHECK_SCRIPT, [key], [token], undefined);
      if (Number(reply) !== 1) throw markLost();
    },
    async release() {
      if (released) return;
      released = true;
      stopExtending();
      try {
        await release(commands, key, token, ttlMs);
      } catch {
        // Best effort: a lease not deleted expires by itself within its ttl, and the work it guarded stands.
      }
    },
  };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
