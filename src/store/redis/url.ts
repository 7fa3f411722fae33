/** Redis store URLs for the store: a URL that is not one is a usage error (the grammar: domain/redis-url.ts). */
import { type RedisTarget, readRedisUrl } from '../../domain/redis-url.js';
import { usageError } from '../../errors.js';

export { type RedisTarget, redisLocationOf, redisUserOf, withRedisPassword } from '../../domain/redis-url.js';

/** The URL read, or a usage error that does not repeat it (it may hold a password). */
export function parseRedisUrl(url: string): RedisTarget {
  const reading = readRedisUrl(url);
  if (!reading.ok) throw usageError(reading.problem, reading.hint);
  return reading.target;
}
