import type { ProfileRecord } from '../domain/profile.js';
import { sanitizeForTerminal } from '../domain/terminal-text.js';
import type { Env } from '../env.js';
import { envValue } from '../env.js';
import { PodioAuthError, usageError } from '../errors.js';

/** Podio's public origins, and the rules for pointing podio-auth elsewhere (an emulator, a test server). */

export const DEFAULT_AUTH_URL = 'https://podio.com';
export const DEFAULT_API_URL = 'https://api.podio.com';
export const API_KEY_PAGE = 'https://podio.com/settings/api';
/** Podio's access tokens live 8 hours. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 8 * 3600;
/** Podio's refresh tokens last 28 days. */
export const REFRESH_TOKEN_DAYS = 28;

/** Loopback host names and literals (URL.hostname form: IPv6 in brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** A value that did not parse, as a message may show it: whatever stands before an @ may be a password. */
function withoutUserInfo(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/*)?[\s\S]*@/i, (_, scheme = '') => `${scheme}…@`);
}

/**
 * An origin for PODIO_AUTH_URL / PODIO_API_URL. Plain http only to loopback (an emulator, a test server):
 * anywhere else it would send the client secret in the clear.
 */
export function parseOrigin(name: string, value: unknown): string {
  if (typeof value !== 'string') throw usageError(`${name} is not a URL.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`${name} is not a URL: "${withoutUserInfo(value).slice(0, 100)}".`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw usageError(`${name} must be an https:// URL (plain http is allowed only to localhost).`);
  }
  if (url.username || url.password) throw usageError(`${name} must not contain a user name or password.`);
  return url.origin;
}

/** The API origin a stored profile logged in at (Podio's own for a record that names none). */
export function storedApiOrigin(profile: ProfileRecord): string {
  return profile.api_url !== undefined ? parseOrigin('the profile\'s "api_url"', profile.api_url) : DEFAULT_API_URL;
}

/**
 * Where calls go. Without a profile (env-only mode, a new login): PODIO_API_URL, else Podio's own. With one: the
 * origin it logged in at, and only there. Its refresh token, client secret and access token are sent nowhere else,
 * so a PODIO_API_URL left over in a shell (an emulator's, say) that names another origin is refused, not followed.
 */
export function apiOriginFor(profile: ProfileRecord | undefined, env: Env, name?: string): string {
  const fromEnv = envValue(env, 'PODIO_API_URL');
  const envOrigin = fromEnv === undefined ? undefined : parseOrigin('PODIO_API_URL', fromEnv);
  if (profile === undefined) return envOrigin ?? DEFAULT_API_URL;
  const stored = storedApiOrigin(profile);
  if (envOrigin !== undefined && envOrigin !== stored) {
    const which = name === undefined ? 'this profile' : `profile "${sanitizeForTerminal(name, 64)}"`;
    throw new PodioAuthError(
      'origin_mismatch',
      `PODIO_API_URL is ${envOrigin}, but ${which} logged in at ${stored}: its tokens and secrets are sent only there.`,
      { hint: 'Unset PODIO_API_URL, or log in at that origin under another profile name (--profile).' },
    );
  }
  return stored;
}

export function authOriginFor(profile: ProfileRecord | undefined, env: Env): string {
  const fromEnv = envValue(env, 'PODIO_AUTH_URL');
  if (fromEnv !== undefined) return parseOrigin('PODIO_AUTH_URL', fromEnv);
  if (profile?.auth_url !== undefined) return parseOrigin('the profile\'s "auth_url"', profile.auth_url);
  return DEFAULT_AUTH_URL;
}
