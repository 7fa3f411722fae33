/**
 * Profile secrets in the OS credential store (macOS Keychain, Windows Credential Manager, the Secret Service on
 * Linux) through `@napi-rs/keyring`: one entry per account under service `podio-auth` (the caller names the
 * accounts: see entries.ts), value = the JSON the caller made of the profile's secret fields. The calls run in a
 * helper process (helper-process.ts): a hung Secret Service blocks them forever, and only a process can be killed.
 */
import type { Env } from '../../env.js';
import type { SecretVault } from '../port.js';
import { DEFAULT_KEYRING_TIMEOUT_MS, KEYRING_SERVICE } from './entries.js';
import { helperFailed } from './failures.js';
import { createKeyringHelper } from './helper-process.js';

export { DEFAULT_KEYRING_TIMEOUT_MS, KEYRING_SERVICE };

/** The helper stays this long after a call for the next one (a refresh reads, asks Podio, then writes). */
const DEFAULT_KEEP_ALIVE_MS = 30_000;

export interface KeyringVaultOptions {
  /** The environment of the keyring calls (DBUS_SESSION_BUS_ADDRESS, HOME, …). Default: this process's. */
  env?: Env;
  /** Upper bound of one call, waiting for an earlier call included. Default 20 s. */
  timeoutMs?: number;
  /** How long an idle helper process is kept for the next call. Default 30 s. */
  keepAliveMs?: number;
}

export interface KeyringVault extends SecretVault {
  /** Ends the helper process now. Optional: it never keeps this process alive, and ends when idle. Idempotent. */
  close(): void;
}

export function createKeyringVault(options: KeyringVaultOptions = {}): KeyringVault {
  const timeoutMs = options.timeoutMs ?? DEFAULT_KEYRING_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be positive: ${timeoutMs}`);
  const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
  const helper = createKeyringHelper(options.env ?? process.env, timeoutMs, keepAliveMs);
  return {
    get: async (account, signal) => {
      const result = await helper.call({ op: 'get', account }, signal);
      if (result === null) return undefined;
      if (typeof result !== 'string') throw helperFailed('answered a read with something other than text');
      return result;
    },
    set: async (account, value, signal) => {
      await helper.call({ op: 'set', account, value }, signal);
    },
    delete: async (account, signal) => {
      const result = await helper.call({ op: 'delete', account }, signal);
      if (typeof result !== 'boolean') throw helperFailed('answered a delete with something other than true or false');
      return result;
    },
    list: async (signal) => {
      const result = await helper.call({ op: 'list' }, signal);
      if (!Array.isArray(result) || !result.every((account): account is string => typeof account === 'string')) {
        throw helperFailed('answered a listing with something other than names');
      }
      return [...new Set(result)].sort();
    },
    close: () => helper.close(),
  };
}
