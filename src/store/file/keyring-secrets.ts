/**
 * The secrets of the file store's keyring profiles: one keyring entry per profile, named for this config file
 * (keyring/entries.ts), opened on first use. An entry of podio-auth 0.2.0 (named for the profile alone) is taken
 * as the profile's only when it passes `legacySecretsFor`, and moved to its new name under the lock.
 */
import { isObject } from '../../domain/guards.js';
import { type ProfileRecord, SECRET_FIELDS, type SecretField } from '../../domain/profile.js';
import { PodioAuthError } from '../../errors.js';
import { configKey, hasLegacyEntryName, keyringAccount, legacySecretsFor } from '../keyring/entries.js';
import type { SecretVault } from '../port.js';
import { configFileIn, readConfigFile } from './config-file.js';

export type ClosableVault = SecretVault & { close?: () => void };

export interface KeyringSecrets {
  /** The keyring, opened on first use. */
  vault(): Promise<SecretVault>;
  /** This config file's account for a profile, worked out from where the file is now (never from the file). */
  accountOf(name: string): string;
  /** The 0.2.0 entry of a profile, when it passes as this profile's (see `legacySecretsFor`). */
  legacyEntry(name: string, record: ProfileRecord | undefined, signal: AbortSignal): Promise<string | undefined>;
  /** Removes a 0.2.0 entry once its secrets live under the new name, unless it changed since (another dir's now). */
  dropLegacyEntry(name: string, text: string, signal: AbortSignal): Promise<void>;
  /**
   * The profile with its secrets. `adopt` moves a 0.2.0 entry to its new name, under the lock: inside a transaction
   * it writes through it; outside, it takes the lock for that.
   */
  withSecrets(
    name: string,
    record: ProfileRecord | undefined,
    signal: AbortSignal,
    adopt: (whole: ProfileRecord) => Promise<ProfileRecord | undefined>,
  ): Promise<ProfileRecord | undefined>;
  /** Ends the keyring's helper, if it was opened. */
  close(): Promise<void>;
}

export function keyringSecrets(dir: string, openVault: (() => Promise<ClosableVault>) | undefined): KeyringSecrets {
  const file = configFileIn(dir);
  let opened: Promise<ClosableVault> | undefined;
  const vault = (): Promise<ClosableVault> => {
    if (!openVault) throw new PodioAuthError('keyring_unavailable', 'This build has no keyring support.');
    opened ??= openVault();
    return opened;
  };
  const accountOf = (name: string) => keyringAccount(name, configKey(file));
  const legacyEntry = async (name: string, record: ProfileRecord | undefined, signal: AbortSignal) => {
    if (!hasLegacyEntryName(record) || record === undefined) return undefined;
    const text = await (await vault()).get(name, signal);
    return text !== undefined && legacySecretsFor(record, text) !== undefined ? text : undefined;
  };
  return {
    vault,
    accountOf,
    legacyEntry,
    dropLegacyEntry: async (name, text, signal) => {
      const keyring = await vault();
      if ((await keyring.get(name, signal)) === text) await keyring.delete(name, signal);
    },
    withSecrets: async (name, record, signal, adopt) => {
      if (record?.store !== 'keyring') return record;
      const entry = await (await vault()).get(accountOf(name), signal);
      if (entry === undefined) {
        const legacy = await legacyEntry(name, record, signal);
        if (legacy !== undefined) return adopt({ ...record, ...parseSecrets(legacy, name) });
        // Moved into config.json since `record` was read (the entry goes only after the file holds the secrets):
        // the file has them now.
        const now = readConfigFile(file).profiles.get(name);
        if (now?.store !== 'keyring') return now;
      }
      return { ...record, ...parseSecrets(entry, name) };
    },
    close: async () => {
      if (opened !== undefined) (await opened.catch(() => undefined))?.close?.();
    },
  };
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
