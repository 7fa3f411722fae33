import { checkProfile, type ProfileRecord } from '../../domain/profile.js';
import { PodioAuthError } from '../../errors.js';
import type { StoreSnapshot } from '../port.js';
import { fencedScript } from './lease.js';
import type { RedisTarget } from './url.js';

/**
 * What the store keeps in Redis, and the Lua scripts that read and write it. No key name holds a secret, only profile
 * names; a write changes a profile's key and its entry in the set of names together, in one fenced script.
 */

export const DEFAULT_REDIS_PREFIX = 'podio-auth:';

export interface RedisKeys {
  /** A string: the profile's JSON, metadata and secrets together (as `ProfileRecord`). */
  profile(name: string): string;
  /** A set: the names of the profiles (read instead of a SCAN of what may be a busy shared Redis). */
  profiles: string;
  /** A string: the default profile's name (`profiles use`). */
  default: string;
  /** A string: the lock's random token while someone holds it (see lease.ts). */
  lock: string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    profile: (name) => `${prefix}profile:${name}`,
    profiles: `${prefix}profiles`,
    default: `${prefix}default`,
    lock: `${prefix}lock`,
  };
}

/**
 * One script, so one snapshot: it sees every write whole or not at all. KEYS[1] = the set of names, KEYS[2] = the
 * default; ARGV[1] = the profile keys' common start. Returns { default or false, name1, json1 or false, ... }.
 */
export const SNAPSHOT_SCRIPT = `local out = { redis.call('GET', KEYS[2]) }
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  out[#out + 1] = name
  out[#out + 1] = redis.call('GET', ARGV[1] .. name)
end
return out`;

/** KEYS[2] = the profile, KEYS[3] = the set of names; ARGV[2] = the name, ARGV[3] = the JSON. */
export const WRITE_PROFILE_SCRIPT = fencedScript(`redis.call('SET', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[2])`);
export const DELETE_PROFILE_SCRIPT = fencedScript(`redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[2])`);
/** KEYS[2] = the default; ARGV[2] = the name. */
export const SET_DEFAULT_SCRIPT = fencedScript(`redis.call('SET', KEYS[2], ARGV[2])`);
export const DELETE_DEFAULT_SCRIPT = fencedScript(`redis.call('DEL', KEYS[2])`);

/** The snapshot script's reply as the port's snapshot; a profile that does not pass the checks is `config_invalid`. */
export function parseSnapshot(reply: unknown, keys: RedisKeys, target: RedisTarget): StoreSnapshot {
  if (!Array.isArray(reply) || reply.length % 2 !== 1) {
    throw new PodioAuthError('redis_unavailable', `Redis at ${target.address} gave an answer this store cannot read.`);
  }
  const [defaultName, ...pairs] = reply as unknown[];
  const profiles = new Map<string, ProfileRecord>();
  for (let i = 0; i < pairs.length; i += 2) {
    const name = String(pairs[i]);
    const json = pairs[i + 1];
    // Listed but gone (deleted by hand): absent, as it would be after `logout`.
    if (json === null || json === undefined) continue;
    profiles.set(name, parseProfile(String(json), keys.profile(name), target));
  }
  return {
    defaultProfile: typeof defaultName === 'string' && defaultName !== '' ? defaultName : undefined,
    profiles,
  };
}

/** Names the key and the server, never the content (it holds secrets). */
function parseProfile(json: string, key: string, target: RedisTarget): ProfileRecord {
  const hint = `It was left as it is. Fix or delete that key (redis-cli DEL), then run \`podio-auth login\` again.`;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new PodioAuthError('config_invalid', `The Redis key ${key} on ${target.location} does not hold JSON.`, {
      hint,
    });
  }
  const checked = checkProfile(value);
  if (!checked.ok) {
    const message = `The profile in the Redis key ${key} on ${target.location} ${checked.problem}.`;
    throw new PodioAuthError('config_invalid', message, { hint });
  }
  return checked.profile;
}
