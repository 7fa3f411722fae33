/**
 * One transaction of the file store, under the config file's lock. A profile's write is fenced before each step,
 * and ordered so that no moment leaves its secrets in neither place: the keyring entry is written before the
 * metadata that points at it, and removed only after config.json holds the secrets (or the profile is gone).
 */
import { statSync } from 'node:fs';
import type { ProfileRecord } from '../../domain/profile.js';
import { splitSecrets } from '../../domain/profile.js';
import { isErrorCode, PodioAuthError } from '../../errors.js';
import { KEYRING_SERVICE } from '../keyring/entries.js';
import type { Lease, StoreSnapshot, StoreTransaction } from '../port.js';
import { realTarget, reserveWrite, type WriteReservation } from './atomic-write.js';
import { type ConfigDocument, configFileIn, readConfigFile, unwritable, writeConfigFile } from './config-file.js';
import type { KeyringSecrets } from './keyring-secrets.js';

/** The room a transaction reserved for its write, released when the transaction ends. */
export interface WriteRoom {
  reserved?: WriteReservation;
}

interface TransactionContext {
  dir: string;
  file: string;
  secrets: KeyringSecrets;
  signal: AbortSignal;
  lease: Lease;
  room: WriteRoom;
}

export function snapshotOf(dir: string): StoreSnapshot {
  const config = readConfigFile(configFileIn(dir));
  return { defaultProfile: config.defaultProfile, profiles: config.profiles };
}

export function fileTransaction(context: TransactionContext): StoreTransaction {
  const { dir, file, secrets, signal, lease, room } = context;
  const tx: StoreTransaction = {
    ...(lease.tookOverSilentHolder ? { tookOverSilentHolder: true } : {}),
    reserveWrite: async (growthBytes) => {
      if (room.reserved?.fd !== undefined) return;
      try {
        // What is there now and the most the write may add.
        room.reserved = reserveWrite(file, sizeOf(realTarget(file)) + growthBytes);
      } catch (error) {
        throw unwritable(file, error);
      }
    },
    read: async () => snapshotOf(dir),
    getProfile: (name) =>
      secrets.withSecrets(name, snapshotOf(dir).profiles.get(name), signal, async (whole) => {
        await tx.writeProfile(name, whole);
        return { ...whole, keyring_account: secrets.accountOf(name) };
      }),
    writeProfile: (name, given) => writeProfile(context, name, given),
    setDefaultProfile: async (name) => {
      await lease.assertHeld();
      const config = readConfigFile(file);
      config.defaultProfile = name;
      writeConfigFile(dir, config, room.reserved);
    },
  };
  return tx;
}

async function writeProfile(context: TransactionContext, name: string, given: ProfileRecord | undefined) {
  const { dir, file, secrets, signal, lease, room } = context;
  await lease.assertHeld();
  const config = readConfigFile(file);
  const before = config.profiles.get(name);
  // A 0.2.0 entry that passes as this profile's goes once its secrets are stored anew (or the profile is gone).
  const legacy = await secrets.legacyEntry(name, before, signal);
  const record = given === undefined ? undefined : withoutAccount(given);
  await placeProfile(context, config, name, before, record);
  await lease.assertHeld();
  writeConfigFile(dir, config, room.reserved);
  if (legacy !== undefined) await secrets.dropLegacyEntry(name, legacy, signal);
  if (record !== undefined && record.store !== 'keyring' && before?.store === 'keyring') {
    await removeOldEntry(context, name);
  }
}

/** Puts `record` in `config` (not yet written), its secrets in the keyring first when that is where they go. */
async function placeProfile(
  context: TransactionContext,
  config: ConfigDocument,
  name: string,
  before: ProfileRecord | undefined,
  record: ProfileRecord | undefined,
): Promise<void> {
  const { secrets, signal, lease } = context;
  // Named only where the keyring is involved: naming hashes the config file's path, and a file profile needs none.
  const account = () => secrets.accountOf(name);
  if (record === undefined) {
    // The keyring entry goes first: if the keyring cannot be reached, nothing has changed.
    if (before?.store === 'keyring') await (await secrets.vault()).delete(account(), signal);
    config.profiles.delete(name);
  } else if (record.store === 'keyring') {
    const { metadata, secrets: fields } = splitSecrets(record);
    // Secrets first, then the metadata that points at them: no moment where neither place holds them.
    if (Object.keys(fields).length > 0) await (await secrets.vault()).set(account(), JSON.stringify(fields), signal);
    else if (before?.store === 'keyring') await (await secrets.vault()).delete(account(), signal);
    await lease.assertHeld();
    config.profiles.set(name, { ...metadata, keyring_account: account() });
  } else {
    config.profiles.set(name, record);
  }
}

/** Moved out of the keyring: the file holds the secrets now, so the old entry can go. */
async function removeOldEntry(context: TransactionContext, name: string): Promise<void> {
  const { file, secrets, signal } = context;
  const account = secrets.accountOf(name);
  try {
    await (await secrets.vault()).delete(account, signal);
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
