import type { Env } from '../env.js';
import { envValue } from '../env.js';
import { usageError } from '../errors.js';
import { defaultConfigDir } from './config-file.js';
import { openFileStore } from './file-store.js';
import type { ProfileStore } from './port.js';

export interface StoreClock {
  now: () => Date;
  monotonic: () => number;
  /** Bound for every call to a remote store. */
  timeoutMs: number;
}

/** Which backend new logins use: PODIO_AUTH_STORE (`file`, `keyring`, `redis://…`). */
export type StoreChoice = { kind: 'file' } | { kind: 'keyring' } | { kind: 'redis'; url: string };

export function storeChoice(value: string | undefined, what = 'PODIO_AUTH_STORE'): StoreChoice {
  if (value === undefined || value === 'file') return { kind: 'file' };
  if (value === 'keyring') return { kind: 'keyring' };
  if (/^rediss?:\/\//.test(value)) return { kind: 'redis', url: value };
  throw usageError(`${what} must be file, keyring or a redis:// URL, not "${value.replace(/\/\/[^@/]*@/, '//…@').slice(0, 60)}".`);
}

/** The store the profiles live in: Redis when PODIO_AUTH_STORE names a server, else the config file. */
export function openStore(env: Env, clock: StoreClock): ProfileStore {
  const choice = storeChoice(envValue(env, 'PODIO_AUTH_STORE'));
  if (choice.kind === 'redis') throw usageError('The Redis store is not available in this build.');
  return openFileStore({ dir: defaultConfigDir(env), lock: { now: clock.now, monotonic: clock.monotonic } });
}
