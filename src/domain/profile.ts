/**
 * What a profile holds, and the one check every stored profile passes when it is read, whatever the backend.
 * Snake case, as Podio names the same things.
 */

import { isObject, isTokenText } from './guards.js';

export interface TokenRefRecord {
  type: string;
  id: number | string;
}

export interface ProfileRecord {
  /** How the login was made: decides what can be redone without a person when a refresh fails. */
  grant?: 'authorization_code' | 'app' | 'password';
  /** Where the secrets live: `file` (here, the default) or `keyring`. A Redis profile lives in Redis whole. */
  store?: 'file' | 'keyring' | 'redis';
  /**
   * For a keyring profile: the keyring account its secrets were stored under (`<profile>@<config key>`). Written
   * with every keyring write; its absence marks a profile written by podio-auth 0.2.0, whose entry has the old
   * name. Never used to find the entry: the name is worked out from where the config file is (a copied config
   * file must not reach the original's entry).
   */
  keyring_account?: string;
  /** For a profile kept in Redis: the server, without its password (`redis://host:port/db`). */
  redis_url?: string;
  /**
   * And the prefix of its keys there, as it was when the pointer was made: a later PODIO_AUTH_REDIS_PREFIX (or none)
   * must not lead the pointer to another team's keys. Absent in pointers older than it.
   */
  redis_prefix?: string;
  client_id?: string;
  client_secret?: string;
  auth_url?: string;
  api_url?: string;
  redirect_host?: string;
  access_token?: string;
  token_type?: string;
  /** ISO 8601. */
  expires_at?: string;
  refresh_token?: string;
  scope?: string;
  ref?: TokenRefRecord;
  /** When the current access token was issued: with `expires_at`, tells how long tokens live. */
  obtained_at?: string;
  /** When the current refresh token was issued (it lasts 28 days). */
  refresh_obtained_at?: string;
  /** For app logins: what the app grant needs to be redone when the refresh token is gone. */
  app_id?: string;
  app_token?: string;
  /** For password logins: the user name only. The password is never stored. */
  username?: string;
  /** Who the tokens belong to, as `/user/status` said at login. */
  user_name?: string;
}

/** The fields that are secrets: kept in the keyring for a keyring profile, redacted from every message. */
export const SECRET_FIELDS = ['client_secret', 'access_token', 'refresh_token', 'app_token'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

const STRING_FIELDS = [
  'redis_url',
  'redis_prefix',
  'keyring_account',
  'client_id',
  'client_secret',
  'auth_url',
  'api_url',
  'redirect_host',
  'access_token',
  'token_type',
  'expires_at',
  'refresh_token',
  'scope',
  'obtained_at',
  'refresh_obtained_at',
  'app_id',
  'app_token',
  'username',
  'user_name',
] as const;
const DATE_FIELDS = ['expires_at', 'obtained_at', 'refresh_obtained_at'] as const;
/** Fields that go into HTTP headers or bodies: printable ASCII only. */
const TOKEN_FIELDS = ['client_id', 'client_secret', 'access_token', 'refresh_token', 'app_id', 'app_token'] as const;

/**
 * Checks one stored profile. Returns the profile, or a description of the first field that is wrong
 * ("field "expires_at" is not a date"); never prints a value (it may be a secret).
 */
export function checkProfile(value: unknown): { ok: true; profile: ProfileRecord } | { ok: false; problem: string } {
  if (!isObject(value)) return { ok: false, problem: 'is not an object' };
  for (const field of STRING_FIELDS) {
    if (Object.hasOwn(value, field) && typeof value[field] !== 'string')
      return { ok: false, problem: `field "${field}" is not a string` };
  }
  for (const field of DATE_FIELDS) {
    const text = value[field];
    if (typeof text === 'string' && !Number.isFinite(Date.parse(text)))
      return { ok: false, problem: `field "${field}" is not a date` };
  }
  for (const field of TOKEN_FIELDS) {
    const text = value[field];
    if (typeof text === 'string' && text !== '' && !isTokenText(text)) {
      return { ok: false, problem: `field "${field}" has characters a token cannot have` };
    }
  }
  if (Object.hasOwn(value, 'grant') && !['authorization_code', 'app', 'password'].includes(value['grant'] as string)) {
    return { ok: false, problem: 'field "grant" is not one of authorization_code, app, password' };
  }
  if (Object.hasOwn(value, 'store') && !['file', 'keyring', 'redis'].includes(value['store'] as string)) {
    return { ok: false, problem: 'field "store" is not one of file, keyring, redis' };
  }
  if (Object.hasOwn(value, 'ref')) {
    const ref = value['ref'];
    if (
      !isObject(ref) ||
      typeof ref['type'] !== 'string' ||
      (typeof ref['id'] !== 'number' && typeof ref['id'] !== 'string')
    ) {
      return { ok: false, problem: 'field "ref" is not { type, id }' };
    }
  }
  return { ok: true, profile: value as ProfileRecord };
}

/** The secret fields of a profile, and the profile without them. */
export function splitSecrets(profile: ProfileRecord): {
  metadata: ProfileRecord;
  secrets: Partial<Record<SecretField, string>>;
} {
  const metadata: ProfileRecord = { ...profile };
  const secrets: Partial<Record<SecretField, string>> = {};
  for (const field of SECRET_FIELDS) {
    const value = profile[field];
    if (value !== undefined) secrets[field] = value;
    delete metadata[field];
  }
  return { metadata, secrets };
}
