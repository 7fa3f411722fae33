import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, ExitCode, PodioAuthError } from '../errors.js';
import type { Env } from '../output.js';

/**
 * `config.json`: one entry per profile. Read with plain `fs` (the `token` hot path must not load conf and its
 * schema machinery); written through conf, which writes atomically with the file mode we give it.
 */

export interface TokenRefRecord {
  type: string;
  id: number | string;
}

/** What one profile keeps. Snake case, as Podio names the same things. */
export interface ProfileRecord {
  /** How the login was made: decides what can be redone without a person when a refresh fails. */
  grant?: 'authorization_code' | 'app' | 'password';
  client_id?: string;
  client_secret?: string;
  auth_url?: string;
  api_url?: string;
  redirect_host?: string;
  access_token?: string;
  token_type?: string;
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

export interface ConfigData {
  profiles: Record<string, ProfileRecord>;
  /** Set by `podio-auth profiles use`. */
  default_profile?: string;
  /** Keys written by a newer version survive a rewrite by this one. */
  [key: string]: unknown;
}

export const CONFIG_FILE_NAME = 'config.json';

export function configFileIn(dir: string): string {
  return join(dir, CONFIG_FILE_NAME);
}

/** Mirrors where conf/env-paths would put a `podio-auth` config with an empty project suffix. */
export function defaultConfigDir(env: Env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  const fromEnv = env['PODIO_AUTH_CONFIG_DIR'];
  if (fromEnv) return fromEnv;
  if (platform === 'darwin') return join(home, 'Library', 'Preferences', 'podio-auth');
  if (platform === 'win32') return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), 'podio-auth', 'Config');
  return join(env['XDG_CONFIG_HOME'] || join(home, '.config'), 'podio-auth');
}

function unreadable(file: string, reason: string, cause?: unknown): CliError {
  return new CliError('config_invalid', ExitCode.failure, `The config file ${file} ${reason}.`, {
    hint: 'It was left as it is. Fix it, or move it aside and run `podio-auth login` again.',
    cause,
  });
}

/** A missing file is an empty config; a file that cannot be parsed is an error, never a reset. */
export function readConfig(file: string): ConfigData {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw unreadable(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, error);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw unreadable(file, 'is not valid JSON', error);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw unreadable(file, 'does not hold a JSON object');
  const config = data as Record<string, unknown>;
  const profiles = config['profiles'] ?? {};
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) {
    throw unreadable(file, 'has a "profiles" entry that is not an object');
  }
  for (const [name, profile] of Object.entries(profiles)) {
    if (typeof profile !== 'object' || profile === null || Array.isArray(profile)) {
      throw unreadable(file, `has a profile "${name}" that is not an object`);
    }
  }
  return { ...config, profiles: profiles as Record<string, ProfileRecord> };
}

/**
 * The directory holds secrets: 0700. If it already existed with looser modes (a directory the user made for
 * PODIO_AUTH_CONFIG_DIR, say), tighten it rather than write tokens where others can list them.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const mode = statSync(dir).mode & 0o777;
  if (mode !== 0o700) chmodSync(dir, 0o700);
}

/** Atomic write (temp file + rename) with mode 0600, through conf. Callers hold the store lock. */
export async function writeConfig(dir: string, data: ConfigData): Promise<void> {
  try {
    ensurePrivateDir(dir);
    const { default: Conf } = await import('conf');
    const conf = new Conf<ConfigData>({
      cwd: dir,
      configName: 'config',
      projectSuffix: '',
      configFileMode: 0o600,
      // Never: conf would replace a file it cannot parse with an empty one, losing the user's tokens.
      clearInvalidConfig: false,
      accessPropertiesByDotNotation: false,
    });
    conf.store = data;
  } catch (error) {
    if (error instanceof PodioAuthError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError('config_unwritable', ExitCode.failure, `Could not write ${configFileIn(dir)}${code ? ` (${code})` : ''}.`, {
      hint: 'Check that the config directory is writable (PODIO_AUTH_CONFIG_DIR).',
      cause: error,
    });
  }
}
