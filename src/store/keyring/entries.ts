import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isObject } from '../../domain/guards.js';
import { type ProfileRecord, SECRET_FIELDS, type SecretField } from '../../domain/profile.js';

/**
 * How keyring entries are named: service `podio-auth`, account `<profile>@<config key>`, where the config key is
 * the first 16 hex digits of the SHA-256 of where the config file really lives (links resolved). Two config dirs
 * never share an entry, and a copy never shares the original's (docs/design.md says why). Small on purpose: status,
 * doctor and the file store name entries without loading the keyring.
 */

export const KEYRING_SERVICE = 'podio-auth';
/** Upper bound of one keyring call (an unlock prompt on a desktop needs a while). PODIO_AUTH_KEYRING_TIMEOUT. */
export const DEFAULT_KEYRING_TIMEOUT_MS = 20_000;

const CONFIG_KEY = /^[0-9a-f]{16}$/;
/** A profile name, as profile-names.ts allows it: never an `@`, so `<profile>@<key>` splits one way only. */
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * The config key of the config file `file`: stable for one place, different for any other. node:crypto is loaded
 * here, not with the module: a file-store `token` imports this module and hashes nothing.
 */
export function configKey(file: string): string {
  return process
    .getBuiltinModule('node:crypto')
    .createHash('sha256')
    .update(canonicalPath(file))
    .digest('hex')
    .slice(0, 16);
}

function canonicalPath(file: string): string {
  try {
    // A linked config.json is the file it links to (as the lock is).
    if (lstatSync(file).isSymbolicLink()) return realpathSync.native(file);
  } catch {
    // Not there yet: it will be created in its directory.
  }
  try {
    return join(realpathSync.native(dirname(file)), basename(file));
  } catch {
    return resolve(file);
  }
}

export function keyringAccount(profile: string, key: string): string {
  return `${profile}@${key}`;
}

/** The profile an account names, when it is an entry of the config file whose key is `key`. */
export function profileOfAccount(account: string, key: string): string | undefined {
  const at = account.lastIndexOf('@');
  if (at < 0 || account.slice(at + 1) !== key || !CONFIG_KEY.test(key)) return undefined;
  const profile = account.slice(0, at);
  return PROFILE_NAME.test(profile) ? profile : undefined;
}

/** An account named as podio-auth 0.2.0 named them: the profile name alone, whatever config dir it was in. */
export function isLegacyAccount(account: string): boolean {
  return PROFILE_NAME.test(account);
}

/** A keyring profile written before entries were named per config dir (podio-auth 0.2.0): its entry has the old name. */
export function hasLegacyEntryName(record: ProfileRecord | undefined): boolean {
  return record?.store === 'keyring' && record.keyring_account === undefined;
}

/**
 * Whether a 0.2.0 entry (`podio-auth` / `<profile>`) may be taken as the secrets of `record`. Such an entry may
 * belong to another config dir that has a profile of the same name (0.2.0 shared it): it is taken only when it is
 * what podio-auth wrote (a JSON object of secret fields, nothing else) and says what the profile says: an app token
 * exactly when the profile is an app login, an access token exactly when the profile has an expiry, a client secret
 * exactly when it has a client id. An app login another dir wrote over a user login here (the mix-up 0.2.0 allowed)
 * fails this, and so does an item another program keeps under that name.
 */
export function legacySecretsFor(
  record: ProfileRecord,
  text: string,
): Partial<Record<SecretField, string>> | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(data)) return undefined;
  const keys = Object.keys(data);
  const known: readonly string[] = SECRET_FIELDS;
  if (keys.length === 0 || !keys.every((key) => known.includes(key) && typeof data[key] === 'string')) return undefined;
  const secrets = data as Partial<Record<SecretField, string>>;
  const agrees = (present: boolean, expected: boolean) => present === expected;
  if (
    !agrees(secrets.app_token !== undefined, record.grant === 'app') ||
    !agrees(secrets.access_token !== undefined, record.expires_at !== undefined) ||
    !agrees(secrets.client_secret !== undefined, record.client_id !== undefined)
  ) {
    return undefined;
  }
  return secrets;
}
