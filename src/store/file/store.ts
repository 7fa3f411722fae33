/**
 * The config-file backend: `config.json` and its lock. A profile whose `store` is `keyring` keeps only metadata in
 * the file; its secrets are one entry in the OS keyring (keyring-secrets.ts, loaded only when such a profile is
 * touched). A pointer profile (`store: redis`) names the Redis store that holds it.
 */
import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import type { ProfileRecord } from '../../domain/profile.js';
import { passwordlessServerOf } from '../../domain/redis-url.js';
import { randomHex } from '../../platform/random-hex.js';
import type { Locker, ProfileStore } from '../port.js';
import { realTarget, releaseReservation, removeTempFiles, tempFilesOf } from './atomic-write.js';
import { configFileIn, ensurePrivateDir, unwritable } from './config-file.js';
import { type ClosableVault, type KeyringSecrets, keyringSecrets } from './keyring-secrets.js';
import { createFileLocker, type FileLockOptions } from './lock.js';
import { fileTransaction, snapshotOf, type WriteRoom } from './transaction.js';

export interface FileStoreOptions {
  dir: string;
  lock?: FileLockOptions;
  /** The keyring, opened on first use. */
  openVault?: () => Promise<ClosableVault>;
  /**
   * The store a pointer profile (`store: redis`, `redis_url`, `redis_prefix`) names; `servers`: every server and user
   * that a pointer here names without a password (passwordlessServerOf).
   */
  openPointer?: (redisUrl: string, prefix: string | undefined, servers: ReadonlySet<string>) => ProfileStore;
}

export interface FileStore extends ProfileStore {
  readonly dir: string;
  readonly file: string;
}

export function openFileStore(options: FileStoreOptions): FileStore {
  const { dir } = options;
  const file = configFileIn(dir);
  // Beside the file where it really lives: two config dirs that link to one config.json share one lock.
  const locker = createFileLocker(() => `${realTarget(file)}.lock`, options.lock);
  const secrets = keyringSecrets(dir, options.openVault);
  const pointers = pointerStores(options.openPointer);
  const store: FileStore = {
    kind: 'file',
    dir,
    file,
    location: file,
    read: async (signal) => {
      // A temporary file left by a crashed writer may hold secrets: the next command removes it, under the lock.
      if (tempFilesOf(file).length > 0) await tidy(file, locker, signal);
      return snapshotOf(dir);
    },
    getProfile: async (name, signal) =>
      secrets.withSecrets(name, snapshotOf(dir).profiles.get(name), signal, () =>
        // Moved under the lock, against the profile as it is then.
        store.transact(signal, (tx) => tx.getProfile(name)),
      ),
    checkWritable: (signal, where) => checkWritable(dir, file, secrets, where, signal),
    transact: async (signal, fn) => {
      try {
        ensurePrivateDir(dir);
      } catch (error) {
        throw unwritable(file, error);
      }
      const lease = await locker.acquire(signal);
      try {
        // Under the lock, a temporary file is debris from a writer that crashed or lost the lock.
        removeTempFiles(file);
        const room: WriteRoom = {};
        try {
          return await fn(fileTransaction({ dir, file, secrets, signal, lease, room }));
        } finally {
          if (room.reserved) releaseReservation(room.reserved);
        }
      } finally {
        await lease.release();
      }
    },
    storeFor: async (name) => {
      const { profiles } = snapshotOf(dir);
      const record = profiles.get(name);
      if (record?.store !== 'redis' || !record.redis_url) return store;
      return pointers.open(record.redis_url, record.redis_prefix, pointerServers(profiles)) ?? store;
    },
    close: async () => {
      await pointers.close();
      await secrets.close();
    },
  };
  return store;
}

/** Fails now if a login could not be stored: a private file can be written here, and the keyring answers. */
async function checkWritable(
  dir: string,
  file: string,
  secrets: KeyringSecrets,
  where: 'file' | 'keyring',
  signal: AbortSignal,
): Promise<void> {
  const probe = `${file}.probe-${randomHex(6)}`;
  try {
    ensurePrivateDir(dir);
    const fd = openSync(probe, 'wx', 0o600);
    try {
      writeSync(fd, '{}');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
  } catch (error) {
    throw unwritable(file, error);
  }
  if (where === 'keyring') await (await secrets.vault()).list(signal);
}

/** Removes temporary files under the lock. A courtesy: the next write removes them too. */
async function tidy(file: string, locker: Locker, signal: AbortSignal): Promise<void> {
  try {
    const lease = await locker.acquire(signal);
    try {
      removeTempFiles(file);
    } finally {
      await lease.release();
    }
  } catch {
    // Left for the next write.
  }
}

/** The servers (and users) the pointers here name without a password. */
function pointerServers(profiles: ReadonlyMap<string, ProfileRecord>): Set<string> {
  const servers = new Set<string>();
  for (const record of profiles.values()) {
    const server = record.store === 'redis' && record.redis_url ? passwordlessServerOf(record.redis_url) : undefined;
    if (server !== undefined) servers.add(server);
  }
  return servers;
}

/**
 * The Redis stores that pointer profiles name, opened on first use and closed with this store: one per URL, prefix
 * and set of servers the pointers name (two prefixes on one server are two stores).
 */
function pointerStores(openPointer: FileStoreOptions['openPointer']) {
  const opened = new Map<string, ProfileStore>();
  return {
    open: (url: string, prefix: string | undefined, servers: ReadonlySet<string>): ProfileStore | undefined => {
      if (!openPointer) return undefined;
      const key = JSON.stringify([url, prefix, [...servers].sort()]);
      let target = opened.get(key);
      if (!target) {
        target = openPointer(url, prefix, servers);
        opened.set(key, target);
      }
      return target;
    },
    close: async (): Promise<void> => {
      await Promise.allSettled([...opened.values()].map((store) => store.close()));
    },
  };
}
