import { type ProfileRecord, SECRET_FIELDS } from './domain/profile.js';
import { readRedisUrl } from './domain/redis-url.js';
import type { Env } from './env.js';

/** Environment variables that hold secrets: redacted from messages, never handed to child processes. */
export const SECRET_ENV_NAMES = [
  'PODIO_CLIENT_SECRET',
  'PODIO_REFRESH_TOKEN',
  'PODIO_ACCESS_TOKEN',
  'PODIO_APP_TOKEN',
  'PODIO_PASSWORD',
  'PODIO_AUTH_REDIS_PASSWORD',
] as const;

/** `env` without the secrets, for a child process that has no business with them (`exec`'s command, a browser). */
export function withoutSecrets(env: Env): Record<string, string | undefined> {
  const copy: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_ENV_NAMES) delete copy[name];
  // A Redis store's URL may carry the password to every profile in it: the child gets it without, or not at all.
  const store = copy['PODIO_AUTH_STORE'];
  if (store !== undefined) {
    const shown = storeSettingWithoutPassword(store);
    if (shown === undefined) delete copy['PODIO_AUTH_STORE'];
    else copy['PODIO_AUTH_STORE'] = shown;
  }
  return copy;
}

/**
 * Makes this process's own environment, which every child inherits unless given another, what `withoutSecrets`
 * gives: the CLI reads its settings from a copy taken first.
 */
export function removeSecretsFrom(env: NodeJS.ProcessEnv): void {
  const kept = withoutSecrets(env);
  for (const name of Object.keys(env)) {
    if (kept[name] === undefined) delete env[name];
    else env[name] = kept[name];
  }
}

/** The environment `exec` gives its command: this one without the secrets, and the access token it is for. */
export function commandEnvironment(env: Env, accessToken: string): Record<string, string | undefined> {
  return { ...withoutSecrets(env), PODIO_ACCESS_TOKEN: accessToken };
}

/**
 * PODIO_AUTH_STORE as a child process or a message may see it: `file` and `keyring` as they are; a Redis URL as
 * the store names itself (scheme, user, host:port/db: no password, no query); undefined for anything that does not
 * parse as a store URL, since there is no telling which part of it is a password.
 */
export function storeSettingWithoutPassword(value: string): string | undefined {
  if (value === 'file' || value === 'keyring' || value === '') return value;
  const reading = readRedisUrl(value);
  return reading.ok ? reading.target.location : undefined;
}

/** A pointer's Redis URL (config.json may have been edited by hand) as messages show it: never with a password. */
export function shownPointer(url: string | undefined): string {
  if (url === undefined) return '(no URL)';
  return storeSettingWithoutPassword(url) ?? '(a URL that does not parse)';
}

/**
 * Every secret this process has seen (environment, store, Podio's answers), so that the last guard before
 * anything is printed can take them out, whatever produced the text.
 */
export interface SecretRegistry {
  add(value: string | undefined): void;
  /** The secrets of the environment: its secret variables, and the passwords in its proxy and store URLs. */
  addEnv(env: Env): void;
  addProfile(profile: ProfileRecord | undefined): void;
  redact(text: string): string;
}

export function createSecretRegistry(): SecretRegistry {
  // Held in this closure only: nothing that prints or serialises the registry can reach them.
  const values = new Set<string>();
  const add = (value: string | undefined): void => {
    // Short values would redact ordinary words; real secrets are long.
    if (!value || value.length < 6) return;
    values.add(value);
    // As a JSON text quotes it (a server may echo a request body): `"` and `\` escaped, a tab as \t.
    const quoted = JSON.stringify(value).slice(1, -1);
    if (quoted !== value) values.add(quoted);
  };
  return {
    add,
    addEnv(env) {
      for (const name of SECRET_ENV_NAMES) add(env[name]);
      // A proxy URL may carry a password.
      for (const name of URL_SETTINGS) {
        for (const password of passwordsIn(env[name])) add(password);
      }
    },
    addProfile(profile) {
      if (!profile) return;
      for (const field of SECRET_FIELDS) add(profile[field]);
    },
    redact(text) {
      let out = text;
      for (const secret of values) out = out.split(secret).join('[redacted]');
      return out;
    },
  };
}

/** Settings that may be URLs with a password in them. */
const URL_SETTINGS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'PODIO_AUTH_STORE'] as const;

/** The password of a URL, as written and as meant: `p%40ss` may be printed as it is, `p@ss` once decoded. */
function passwordsIn(value: string | undefined): string[] {
  if (!value) return [];
  let password: string;
  try {
    password = new URL(value).password;
  } catch {
    return []; // Not a URL: nothing to take from it.
  }
  try {
    return [password, decodeURIComponent(password)];
  } catch {
    return [password]; // A bad escape: the password as written is all there is.
  }
}
