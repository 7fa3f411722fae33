import type { Env } from './env.js';
import { type ProfileRecord, SECRET_FIELDS } from './store/profile.js';

/** Environment variables that hold secrets: redacted from messages, never handed to child processes. */
export const SECRET_ENV_NAMES = [
  'PODIO_CLIENT_SECRET',
  'PODIO_REFRESH_TOKEN',
  'PODIO_ACCESS_TOKEN',
  'PODIO_APP_TOKEN',
  'PODIO_PASSWORD',
  'PODIO_AUTH_REDIS_PASSWORD',
] as const;

/** `env` without the secrets, for a child process that has no business with them (a browser). */
export function withoutSecrets(env: Env): Record<string, string | undefined> {
  const copy: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_ENV_NAMES) delete copy[name];
  // A Redis store's URL may carry the password to every profile in it.
  const store = copy['PODIO_AUTH_STORE'];
  if (store && /^rediss?:\/\/[^/@]*:[^/@]*@/.test(store)) {
    copy['PODIO_AUTH_STORE'] = store.replace(/^(rediss?:\/\/[^/@:]*):[^/@]*@/, '$1@');
  }
  return copy;
}

/**
 * Every secret this process has seen (environment, store, Podio's answers), so that the last guard before
 * anything is printed can take them out, whatever produced the text.
 */
export class SecretRegistry {
  readonly #values = new Set<string>();

  add(value: string | undefined): void {
    // Short values would redact ordinary words; real secrets are long.
    if (value && value.length >= 6) this.#values.add(value);
  }

  addEnv(env: Env): void {
    for (const name of SECRET_ENV_NAMES) this.add(env[name]);
    // A proxy URL may carry a password.
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'PODIO_AUTH_STORE']) {
      const value = env[name];
      if (!value) continue;
      try {
        this.add(decodeURIComponent(new URL(value).password));
      } catch {
        // Not a URL: nothing to take from it.
      }
    }
  }

  addProfile(profile: ProfileRecord | undefined): void {
    if (!profile) return;
    for (const field of SECRET_FIELDS) this.add(profile[field]);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.#values) out = out.split(secret).join('[redacted]');
    return out;
  }
}
