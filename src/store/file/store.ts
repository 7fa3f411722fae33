import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { isObject } from '../../domain/guards.js';
import { type ProfileRecord, SECRET_FIELDS, type SecretField, splitSecrets } from '../../domain/profile.js';
import { isErrorCode, PodioAuthError } from '../../errors.js';
import {
  configKey,
  hasLegacyEntryName,
  KEYRING_SERVICE,
  keyringAccount,
  legacySecretsFor,
} from '../keyring/entries.js';
import type { Lease, ProfileStore, SecretVault, StoreSnapshot, StoreTransaction } from '../port.js';
import {
  realTarget,
  releaseReservation,
  removeTempFiles,
  reserveWrite,
  tempFilesOf,
  type WriteReservation,
} from './atomic-write.js';
import { configFileIn, ensurePrivateDir, readConfigFile, unwritable, writeConfigFile } from './config-file.js';
import { createFileLocker, type FileLockOptions } from './lock.js';

/**
 * The config-file backend: `config.json` and its lock. A profile whose `store` is `keyring` keeps only metadata in
 * the file; its secrets are one entry in the OS keyring (`vault`, loaded only when such a profile is touched), named
 * for this config file (keyring-entries.ts). An entry of podio-auth 0.2.0 (named for the profile alone) is moved to
 * its new name the first time its profile is used, if it passes `legacySecretsFor`.
 */

export interface FileStoreOptions {
  dir: string;
  lock?: FileLockOptions;
  /** The keyring, opened on first use. */
  openVault?: () => Promise<SecretVault & { close?: () => void }>;
  /** The store a pointer profile (`store: redis`, `redis_url`) names. */
  openPointer?: (redisUrl: string) => ProfileStore;
}

export interface FileStore extends ProfileStore {
  readonly dir: string;
  readonly file: string;
}

function snapshotOf(dir: string): StoreSnapshot {
  const config = readConfigFile(configFileIn(dir));
  return { defaultProfile: config.defaultProfile, profiles: config.profiles };
}

function parseSecrets(text: string | undefined, profile: string): Partial<Record<SecretField, string>> {
  if (text === undefined) return {};
  try {
    const data: unknown = JSON.parse(text);
    if (isObject(data)) {
      const secrets: Partial<Record<SecretField, string>> = {};
      for (const field of SECRET_FIELDS) if (typeof data[field] === 'string') secrets[field] = data[field];
      return secrets;
    }
  } catch {
    // Reported below.
  }
  throw new PodioAuthError(
    'config_invalid',
    `The keyring entry of profile "${profile}" is not what podio-auth wrote.`,
    {
      hint: `Log in again: \`podio-auth login --profile ${profile}\`.`,
    },
  );
}

/** `keyring_account` is the store's to write: whatever a caller passes (an import, a moved profile) is dropped. */
function withoutAccount(record: ProfileRecord): ProfileRecord {
  const { keyring_account: _dropped, ...rest } = record;
  return rest;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export function openFileStore(options: FileStoreOptions): FileStore {
  const { dir } = options;
  const file = configFileIn(dir);
  // Beside the file where it really lives: two config dirs that link to one config.json share one lock.
  const locker = createFileLocker(() => `${realTarget(file)}.lock`, options.lock);
  let vault: Promise<SecretVault & { close?: () => void }> | undefined;
  const pointers = new Map<string, ProfileStore>();
  const keyring = () => {
    if (!options.openVault) throw new PodioAuthError('keyring_unavailable', 'This build has no keyring support.');
    vault ??= options.openVault();
    return vault;
  };

  /** This config file's account for a profile, worked out from where the file is now (never from the file). */
  const accountOf = (name: string) => keyringAccount(name, configKey(file));

  /** The 0.2.0 entry of a profile, when it passes as this profile's (see `legacySecretsFor`). */
  const legacyEntry = async (name: string, record: ProfileRecord | undefined, signal: AbortSignal) => {
    if (!hasLegacyEntryName(record) || record === undefined) return undefined;
    const text = await (await keyring()).get(name, signal);
    return text !== undefined && legacySecretsFor(record, text) !== undefined ? text : undefined;
  };

  /** Removes a 0.2.0 entry once its secrets live under the new name, unless it changed since (another dir's now). */
  const dropLegacyEntry = async (name: string, text: string, signal: AbortSignal) => {
    const vault = await keyring();
    if ((await vault.get(name, signal)) === text) await vault.delete(name, signal);
  };

  /**
   * The profile with its secrets. `adopt` moves a 0.2.0 entry to its new name, under the lock: inside a transaction
   * it writes through it; outside, it takes the lock for that.
   */
  const withSecrets = async (
    name: string,
    record: ProfileRecord | undefined,
    signal: AbortSignal,
    adopt: (whole: ProfileRecord) => Promise<ProfileRecord | undefined>,
  ): Promise<ProfileRecord | undefined> => {
    if (record?.store !== 'keyring') return record;
    const entry = await (await keyring()).get(accountOf(name), signal);
    if (entry === undefined) {
      const legacy = await legacyEntry(name, record, signal);
      if (legacy !== undefined) return adopt({ ...record, ...parseSecrets(legacy, name) });
      // Moved into config.json since `record` was read (the entry goes only after the file holds the secrets):
      // the file has them now.
      const now = snapshotOf(dir).profiles.get(name);
      if (now?.store !== 'keyring') return now;
    }
    return { ...record, ...parseSecrets(entry, name) };
  };

  const transaction = (signal: AbortSignal, lease: Lease, room: { reserved?: WriteReservation }): StoreTransaction => {
    const tx: StoreTransaction = {
      ...(lease.tookOverSilentHolder ? { tookOverSilentHolder: true } : {}),
      reserveWrite: async () => {
        if (room.reserved?.fd !== undefined) return;
        try {
          // What is there now and a block more: a refresh changes a few dozen characters.
          room.reserved = reserveWrite(file, sizeOf(realTarget(file)) + 4096);
        } catch (error) {
          throw unwritable(file, error);
        }
      },
      read: async () => snapshotOf(dir),
      getProfile: (name) =>
        withSecrets(name, snapshotOf(dir).profiles.get(name), signal, async (whole) => {
          await tx.writeProfile(name, whole);
          return { ...whole, keyring_account: accountOf(name) };
        }),
      writeProfile: async (name, given) => {
        await lease.assertHeld();
        const config = readConfigFile(file);
        const before = config.profiles.get(name);
        const account = accountOf(name);
        // A 0.2.0 entry that passes as this profile's goes once its secrets are stored anew (or the profile is gone).
        const legacy = await legacyEntry(name, before, signal);
        const record = given === undefined ? undefined : withoutAccount(given);
        if (record === undefined) {
          // The keyring entry goes first: if the keyring cannot be reached, nothing has changed.
          if (before?.store === 'keyring') await (await keyring()).delete(account, signal);
          config.profiles.delete(name);
        } else if (record.store === 'keyring') {
          const { metadata, secrets } = splitSecrets(record);
          // Secrets first, then the metadata that points at them: no moment where neither place holds them.
          if (Object.keys(secrets).length > 0) await (await keyring()).set(account, JSON.stringify(secrets), signal);
          else if (before?.store === 'keyring') await (await keyring()).delete(account, signal);
          await lease.assertHeld();
          config.profiles.set(name, { ...metadata, keyring_account: account });
        } else {
          config.profiles.set(name, record);
        }
        await lease.assertHeld();
        writeConfigFile(dir, config, room.reserved);
        if (legacy !== undefined) await dropLegacyEntry(name, legacy, signal);
        if (record !== undefined && record.store !== 'keyring' && before?.store === 'keyring') {
          // Moved out of the keyring: the file holds the secrets now, so the old entry can go.
          try {
            await (await keyring()).delete(account, signal);
          } catch (error) {
            if (!isErrorCode(error, 'keyring_unavailable')) throw error;
            throw new PodioAuthError(
              'keyring_unavailable',
              `Profile "${name}" is now kept in ${file}, but its old keyring entry could not be removed: ` +
                `${error.message.replace(/\.$/, '')}.`,
              {
                hint:
                  'Remove it once the keyring is back: `PODIO_AUTH_STORE=keyring podio-auth doctor --fix` ' +
                  `(or \`secret-tool clear service ${KEYRING_SERVICE} username ${account}\`).`,
                cause: error,
              },
            );
          }
        }
      },
      setDefaultProfile: async (name) => {
        await lease.assertHeld();
        const config = readConfigFile(file);
        config.defaultProfile = name;
        writeConfigFile(dir, config, room.reserved);
      },
    };
    return tx;
  };

  const tidy = async (signal: AbortSignal) => {
    try {
      const lease = await locker.acquire(signal);
      try {
        removeTempFiles(file);
      } finally {
        await lease.release();
      }
    } catch {
      // Tidying is a courtesy: the next write removes them too.
    }
  };

  const store: FileStore = {
    kind: 'file',
    dir,
    file,
    location: file,
    read: async (signal) => {
      // A temporary file left by a crashed writer may hold secrets: the next command removes it, under the lock.
      if (tempFilesOf(file).length > 0) await tidy(signal);
      return snapshotOf(dir);
    },
    getProfile: async (name, signal) =>
      withSecrets(name, snapshotOf(dir).profiles.get(name), signal, () =>
        // Moved under the lock, against the profile as it is then.
        store.transact(signal, (tx) => tx.getProfile(name)),
      ),
    checkWritable: async (signal, secrets) => {
      const probe = `${file}.probe-${randomBytes(6).toString('hex')}`;
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
      if (secrets === 'keyring') await (await keyring()).list(signal);
    },
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
        const room: { reserved?: WriteReservation } = {};
        try {
          return await fn(transaction(signal, lease, room));
        } finally {
          if (room.reserved) releaseReservation(room.reserved);
        }
      } finally {
        await lease.release();
      }
    },
    storeFor: async (name) => {
      const record = snapshotOf(dir).profiles.get(name);
      if (record?.store !== 'redis' || !record.redis_url || !options.openPointer) return store;
      let target = pointers.get(record.redis_url);
      if (!target) {
        target = options.openPointer(record.redis_url);
        pointers.set(record.redis_url, target);
      }
      return target;
    },
    close: async () => {
      await Promise.allSettled([...pointers.values()].map((store) => store.close()));
      if (vault !== undefined) (await vault.catch(() => undefined))?.close?.();
    },
  };
  return store;
}
