import { usageError } from '../errors.js';
import type { Env } from '../output.js';
import type { TokenSet } from '../podio.js';
import { configFileIn, ensurePrivateDir, readConfig, writeConfig, type ConfigData, type ProfileRecord } from './config-file.js';
import { withFileLock } from './lock.js';

export type { ConfigData, ProfileRecord } from './config-file.js';

/** The profiles file and its lock. Every write happens under the lock, on data read after taking it. */
export interface Store {
  readonly dir: string;
  readonly file: string;
  read(): ConfigData;
  /**
   * Takes the lock, reads the file afresh and hands it to `fn`; `save` writes a new version atomically.
   * Another process may have changed the file while this one waited, hence the fresh read.
   */
  locked<T>(signal: AbortSignal, fn: (data: ConfigData, save: (data: ConfigData) => Promise<void>) => Promise<T>): Promise<T>;
}

export function openStore(dir: string): Store {
  const file = configFileIn(dir);
  return {
    dir,
    file,
    read: () => readConfig(file),
    locked: async (signal, fn) => {
      ensurePrivateDir(dir);
      return withFileLock(`${file}.lock`, () => fn(readConfig(file), (data) => writeConfig(dir, data)), { signal });
    },
  };
}

export const DEFAULT_PROFILE = 'default';
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** `--profile` wins over PODIO_PROFILE, which wins over `profiles use`, which wins over `default`. */
export function resolveProfileName(flag: string | undefined, env: Env, config?: ConfigData): string {
  const name = flag ?? (env['PODIO_PROFILE'] || config?.default_profile || DEFAULT_PROFILE);
  return checkProfileName(name);
}

export function checkProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw usageError(`"${name.slice(0, 64)}" is not a valid profile name.`, 'Use letters, digits, "-" and "_" (up to 64).');
  }
  return name;
}

export function tokensOf(profile: ProfileRecord | undefined): TokenSet | undefined {
  if (!profile?.access_token || !profile.expires_at) return undefined;
  const tokens: TokenSet = {
    accessToken: profile.access_token,
    tokenType: profile.token_type ?? 'bearer',
    expiresAt: profile.expires_at,
  };
  if (profile.refresh_token) tokens.refreshToken = profile.refresh_token;
  if (profile.scope) tokens.scope = profile.scope;
  if (profile.ref) tokens.ref = profile.ref;
  return tokens;
}

/**
 * Puts a new token set, obtained at `now`, into a profile. A refresh that brings no new refresh token keeps the old
 * one (Podio may or may not rotate them); one that brings a new one replaces it, and restarts its age (Podio's
 * refresh tokens last 28 days).
 */
export function withTokens(profile: ProfileRecord, tokens: TokenSet, now: Date): ProfileRecord {
  const next: ProfileRecord = {
    ...profile,
    access_token: tokens.accessToken,
    token_type: tokens.tokenType,
    expires_at: tokens.expiresAt,
    obtained_at: now.toISOString(),
  };
  if (tokens.refreshToken && tokens.refreshToken !== profile.refresh_token) {
    next.refresh_token = tokens.refreshToken;
    next.refresh_obtained_at = now.toISOString();
  }
  if (tokens.scope !== undefined) next.scope = tokens.scope;
  if (tokens.ref !== undefined) next.ref = tokens.ref;
  return next;
}
