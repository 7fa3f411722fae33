import type { Deps } from '../../deps.js';
import type { ProfileRecord } from '../../domain/profile.js';
import { PodioAuthError } from '../../errors.js';
import type { ConfigDocument } from '../../store/file/config-file.js';
import { isRedisStore, type RedisStoreHandle } from '../../store/open-store.js';
import type { StoreSnapshot } from '../../store/port.js';
import { type Check, check } from './check.js';
import { checkProfiles } from './profiles.js';
import { lockCheck, persistenceCheck } from './redis-server.js';

/**
 * The Redis stores profiles live in (PODIO_AUTH_STORE names a server, or a pointer left by `login --store redis://…`
 * leads there): whether each answers, lets this user in, read and write under the prefix, keeps its data over a
 * restart, who holds the fleet-wide lock, and the profiles this machine uses there.
 */

export type RedisDeps = Pick<Deps, 'store' | 'signal' | 'now'>;

/** The Redis stores in use, and which of their profiles this machine uses ('all' for PODIO_AUTH_STORE's). */
type RedisStoresInUse = Map<RedisStoreHandle, string[] | 'all'>;

const ROUND_TRIPS = 5;
const ACL_HINT =
  "Give the user these commands on the prefix's keys (see docs/redis.md): " +
  'ACL SETUSER <user> on ><password> resetkeys ~<prefix>* resetchannels -@all +ping +select +get +set +del +sadd ' +
  '+srem +smembers +pexpire +pttl +eval';

/**
 * Returns the current profile if Redis holds it, so that the origins and the login check are the ones it uses.
 */
export async function checkRedis(
  deps: RedisDeps,
  config: ConfigDocument | undefined,
  current: string | undefined,
): Promise<{ checks: Check[]; current: ProfileRecord | undefined }> {
  const checks: Check[] = [];
  let currentProfile: ProfileRecord | undefined;
  for (const [store, names] of await redisStoresInUse(deps, config)) {
    const found = await checkRedisStore(store, names, deps);
    checks.push(...found.checks);
    if (current !== undefined && (names === 'all' || names.includes(current))) {
      currentProfile ??= found.profiles?.get(current);
    }
  }
  return { checks, current: currentProfile };
}

async function redisStoresInUse(deps: RedisDeps, config: ConfigDocument | undefined): Promise<RedisStoresInUse> {
  const stores: RedisStoresInUse = new Map();
  if (isRedisStore(deps.store)) return stores.set(deps.store, 'all');
  for (const [name, record] of config?.profiles ?? []) {
    if (record.store !== 'redis' || !record.redis_url) continue;
    const holder = await deps.store.storeFor(name, deps.signal);
    if (!isRedisStore(holder)) continue;
    const names = stores.get(holder);
    stores.set(holder, names === 'all' ? names : [...(names ?? []), name]);
  }
  return stores;
}

/** A store's own error as a failing check (`redis-auth` when it would not let this user in). */
function failedCheck(where: string, error: unknown): Check {
  if (!(error instanceof PodioAuthError)) throw error;
  const name = error.code === 'redis_auth' ? 'redis-auth' : 'redis';
  return check(name, 'fail', `${where}: ${error.message}`, error.hint);
}

async function checkRedisStore(
  store: RedisStoreHandle,
  names: string[] | 'all',
  deps: RedisDeps,
): Promise<{ checks: Check[]; profiles: ReadonlyMap<string, ProfileRecord> | undefined }> {
  const where = `Redis ${store.location}`;
  let checks: Check[];
  try {
    checks = await reachChecks(store, where, deps.signal);
  } catch (error) {
    return { checks: [failedCheck(where, error)], profiles: undefined };
  }
  let snapshot: StoreSnapshot;
  try {
    snapshot = await store.read(deps.signal);
    await store.checkWritable(deps.signal, 'file');
  } catch (error) {
    const failure = failedCheck(where, error);
    return {
      checks: [...checks, { ...failure, name: 'redis-acl', hint: failure.hint ?? ACL_HINT }],
      profiles: undefined,
    };
  }
  const count = snapshot.profiles.size;
  checks.push(
    check(
      'redis-acl',
      'ok',
      `${where}: reads and writes under the prefix "${store.prefix}" (${count} profile(s) there)`,
    ),
  );
  try {
    checks.push(persistenceCheck(where, await store.persistence(deps.signal)));
    checks.push(lockCheck(where, store.prefix, await store.lockState(deps.signal)));
  } catch (error) {
    checks.push(failedCheck(where, error));
  }
  checks.push(...profileChecks(store, where, names, snapshot, deps.now()));
  return { checks, profiles: snapshot.profiles };
}

/** Whether it answers (the median of a few PINGs) and whom it lets in. Throws the store's error. */
async function reachChecks(store: RedisStoreHandle, where: string, signal: AbortSignal): Promise<Check[]> {
  // The first PING opens the connection (and logs in): it is not a round trip, so it is not counted.
  await store.ping(signal);
  const times: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) times.push(await store.ping(signal));
  const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
  return [
    check('redis', 'ok', `${where}: answers, round trip ${median.toFixed(1)} ms (median of ${ROUND_TRIPS} PINGs)`),
    store.user === undefined
      ? check(
          'redis-auth',
          'warn',
          `${where}: no password is sent, and the server lets anyone who reaches it read every login in it.`,
          'Set a password (an ACL user limited to the prefix), and give it in PODIO_AUTH_REDIS_PASSWORD.',
        )
      : check('redis-auth', 'ok', `${where}: logged in as user "${store.user}"`),
  ];
}

/** This machine's profiles in the store, and each pointer that leads to no profile there. */
function profileChecks(
  store: RedisStoreHandle,
  where: string,
  names: string[] | 'all',
  snapshot: StoreSnapshot,
  now: Date,
): Check[] {
  const checks: Check[] = [];
  const mine = new Map([...snapshot.profiles].filter(([name]) => names === 'all' || names.includes(name)));
  for (const name of names === 'all' ? [] : names) {
    if (mine.has(name)) continue;
    checks.push(
      check(
        `redis-profile:${name}`,
        'fail',
        `profile "${name}" points to ${where}, which has no such profile (under the prefix "${store.prefix}").`,
        `Log in again (\`podio-auth login --profile ${name} --store ${store.location}\`), or check PODIO_AUTH_REDIS_PREFIX.`,
      ),
    );
  }
  for (const item of checkProfiles(mine, now, 'redis')) {
    if (item.name !== 'profiles') checks.push({ ...item, name: `redis-${item.name}` });
  }
  return checks;
}
