import type { ProfileRecord } from '../../domain/profile.js';
import { envValue } from '../../env.js';
import { isErrorCode, usageError } from '../../errors.js';
import { isRedisStore, redisLocationOf, redisPrefixFrom } from '../../store/open-store.js';
import type { ProfileStore, StoreSnapshot } from '../../store/port.js';
import type { LoginDeps, LoginInput } from './types.js';

/** Where a login is stored, and what is stored there already (the client id and secret a new login may reuse). */

export interface LoginTarget {
  store: ProfileStore;
  secrets: 'file' | 'keyring';
  /** What config.json keeps when the profile lives elsewhere (a Redis server, never its password). */
  pointer: ProfileRecord | undefined;
}

/**
 * Where a login goes: `--store`, else where the profile is now, else PODIO_AUTH_STORE. A Redis login made while
 * the profiles live in config.json leaves a pointer there (the server, never its password).
 */
export async function targetFor(input: LoginInput, name: string, deps: LoginDeps): Promise<LoginTarget> {
  const current = await deps.store.storeFor(name, deps.signal);
  const choice = input.store;
  if (choice?.kind === 'redis') {
    if (deps.store.kind === 'redis') return { store: deps.store, secrets: 'file', pointer: undefined };
    return {
      store: deps.openRedis(choice.url),
      secrets: 'file',
      pointer: { store: 'redis', redis_url: redisLocationOf(choice.url), redis_prefix: redisPrefixFrom(deps.env) },
    };
  }
  if (choice === undefined && current !== deps.store) {
    const pointer = (await deps.store.read(deps.signal)).profiles.get(name);
    // A pointer made before pointers kept their prefix is given the one it was followed with.
    const prefix = pointer?.redis_prefix ?? (isRedisStore(current) ? current.prefix : undefined);
    const kept = pointer && prefix !== undefined ? { ...pointer, redis_prefix: prefix } : pointer;
    return { store: current, secrets: 'file', pointer: kept };
  }
  if (deps.store.kind === 'redis') {
    if (choice?.kind === 'keyring')
      throw usageError('PODIO_AUTH_STORE names a Redis server: its profiles live there, not in the keyring.');
    return { store: deps.store, secrets: 'file', pointer: undefined };
  }
  const stored = (await deps.store.read(deps.signal)).profiles.get(name);
  const kind =
    choice?.kind ??
    (stored?.store === 'keyring'
      ? 'keyring'
      : envValue(deps.env, 'PODIO_AUTH_STORE') === 'keyring'
        ? 'keyring'
        : 'file');
  return { store: deps.store, secrets: kind === 'keyring' ? 'keyring' : 'file', pointer: undefined };
}

/** The profile as stored now, if any, read from where the login goes. */
export async function storedProfile(
  name: string,
  snapshot: StoreSnapshot,
  target: LoginTarget,
  deps: LoginDeps,
): Promise<ProfileRecord | undefined> {
  if (!snapshot.profiles.has(name) && target.store === deps.store) return undefined;
  return target.store.getProfile(name, deps.signal).catch((error: unknown) => {
    // `login --store file` is the way out of a keyring that is gone: its metadata is enough to log in again.
    const leavingKeyring = target.secrets === 'file' && snapshot.profiles.get(name)?.store === 'keyring';
    if (leavingKeyring && isErrorCode(error, 'keyring_unavailable')) return snapshot.profiles.get(name);
    throw error;
  });
}
