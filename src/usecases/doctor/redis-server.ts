import type { LockState, Persistence } from '../../store/redis/diagnostics.js';
import { type Check, check } from './check.js';

/** What a Redis server's settings and the fleet-wide lock mean for the logins kept there. */

export function persistenceCheck(where: string, persistence: Persistence): Check {
  const lost =
    'A login rotated since the last save would be lost with it, and the whole fleet would have to log in again.';
  const aofHint = 'Turn on the append-only file: `appendonly yes` (with `appendfsync everysec`) in redis.conf.';
  switch (persistence.known) {
    case 'config':
      if (persistence.aof) return check('redis-persistence', 'ok', `${where}: append-only file on`);
      if (persistence.rdb) {
        return check(
          'redis-persistence',
          'warn',
          `${where}: RDB snapshots only; a crash loses the writes since the last one.`,
          `${lost} ${aofHint}`,
        );
      }
      return check(
        'redis-persistence',
        'warn',
        `${where}: keeps its data in memory only; a restart loses every login.`,
        `${lost} ${aofHint}`,
      );
    case 'info':
      return persistence.aof
        ? check('redis-persistence', 'ok', `${where}: append-only file on`)
        : check(
            'redis-persistence',
            'warn',
            `${where}: append-only file off (RDB snapshots, if any, are not visible to this user).`,
            `${lost} ${aofHint}`,
          );
    case 'unknown':
      return check(
        'redis-persistence',
        'info',
        `${where}: this user may not ask whether the data survives a restart (CONFIG, INFO).`,
        aofHint,
      );
  }
}

export function lockCheck(where: string, prefix: string, state: LockState): Check {
  if (!state.held) return check('redis-lock', 'ok', `${where}: the refresh lock ${prefix}lock is free`);
  if (!Number.isFinite(state.ttlMs)) {
    return check(
      'redis-lock',
      'fail',
      `${where}: the refresh lock ${prefix}lock has no expiry (set by hand?): no token can be refreshed while it stays.`,
      `Delete it: \`redis-cli DEL ${prefix}lock\`.`,
    );
  }
  return check(
    'redis-lock',
    'info',
    `${where}: a podio-auth holds the refresh lock right now (its lease ends in ${(state.ttlMs / 1000).toFixed(1)} s unless extended)`,
  );
}
