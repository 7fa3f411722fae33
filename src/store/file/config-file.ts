import { accessSync, chmodSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isObject } from '../../domain/guards.js';
import { checkProfile, type ProfileRecord } from '../../domain/profile.js';
import { sanitizeForTerminal } from '../../domain/terminal-text.js';
import type { Env } from '../../env.js';
import { PodioAuthError } from '../../errors.js';
import { readSmallRegularFile, UnusableFile } from '../bounded-read.js';
import { type WriteReservation, writeFileAtomic } from './atomic-write.js';

/**
 * `config.json`: one entry per profile, and the default profile's name. Read with plain `fs` and checked against
 * the profile schema on every read (the `token` hot path loads nothing else); written atomically.
 */

export interface ConfigDocument {
  defaultProfile: string | undefined;
  /** Own entries only, in file order. */
  profiles: Map<string, ProfileRecord>;
  /** Top-level keys written by a newer version: kept on rewrite. */
  extra: Record<string, unknown>;
}

export const CONFIG_FILE_NAME = 'config.json';

export function configFileIn(dir: string): string {
  return join(dir, CONFIG_FILE_NAME);
}

/**
 * Where conf/env-paths would put a `podio-auth` config with an empty project suffix. Never a relative path, which
 * would put secrets wherever the command happens to run (a repository, say): a relative XDG_CONFIG_HOME is
 * ignored, as its specification says, and an empty or relative HOME gives way to the system's account entry.
 */
export function defaultConfigDir(env: Env, platform: NodeJS.Platform = process.platform, homeDir?: string): string {
  const fromEnv = env['PODIO_AUTH_CONFIG_DIR'];
  if (fromEnv) return fromEnv;
  const home = homeDir ?? homeDirectory(env, platform);
  if (platform === 'darwin') return join(home, 'Library', 'Preferences', 'podio-auth');
  if (platform === 'win32') return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), 'podio-auth', 'Config');
  const xdg = env['XDG_CONFIG_HOME'];
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.config'), 'podio-auth');
}

/**
 * The home directory as os.homedir() finds it, if absolute. On POSIX that is $HOME when it is set, which is read
 * here without loading node:os: `token` runs in loops, and that module is a tenth of what it costs beyond
 * starting node.
 */
function homeDirectory(env: Env, platform: NodeJS.Platform): string {
  const fromEnv = env['HOME'];
  if (platform !== 'win32' && fromEnv && isAbsolute(fromEnv)) return fromEnv;
  const os = process.getBuiltinModule('node:os');
  const found = platform === 'win32' ? os.homedir() : accountHome(os);
  if (found && isAbsolute(found)) return found;
  throw new PodioAuthError(
    'no_config_dir',
    `There is no home directory to keep podio-auth's files in (HOME is ${fromEnv ? `"${sanitizeForTerminal(fromEnv, 40)}"` : 'empty'}).`,
  );
}

/** The home directory of this user's account entry (HOME aside); undefined where there is no entry. */
function accountHome(os: typeof import('node:os')): string | undefined {
  try {
    return os.userInfo().homedir;
  } catch {
    return undefined;
  }
}

function invalid(file: string, reason: string): PodioAuthError {
  // No `cause`: a JSON parser's message quotes the text around the error, which may be a secret.
  return new PodioAuthError('config_invalid', `The config file ${file} ${reason}.`);
}

export function emptyConfig(): ConfigDocument {
  return { defaultProfile: undefined, profiles: new Map(), extra: {} };
}

/** Far above what any number of profiles takes; past it, the file is not a config podio-auth wrote. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * A missing file is an empty config; a file that cannot be used is an error naming it, and is left as it is.
 * `oneCall`: `token`'s path, where Node's one-call read costs less than the checked read (readSmallRegularFile).
 */
export function readConfigFile(file: string, oneCall = false): ConfigDocument {
  let text: string;
  try {
    text = readSmallRegularFile(file, MAX_CONFIG_BYTES, { oneCall });
    if (text.length > MAX_CONFIG_BYTES) throw new UnusableFile('too large');
  } catch (error) {
    if (error instanceof UnusableFile) {
      const what = error.reason === 'too large' ? `larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB` : error.reason;
      throw invalid(file, `is ${what}`);
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return emptyConfig();
    throw invalid(file, `cannot be read (${code ?? 'error'})`);
  }
  return parseConfig(file, text);
}

export function parseConfig(file: string, text: string): ConfigDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw invalid(file, 'is not valid JSON');
  }
  if (!isObject(data)) throw invalid(file, 'does not hold a JSON object');
  const { profiles: rawProfiles = {}, default_profile: defaultProfile, ...extra } = data;
  if (!isObject(rawProfiles)) throw invalid(file, 'has a "profiles" entry that is not an object');
  if (defaultProfile !== undefined && typeof defaultProfile !== 'string') {
    throw invalid(file, 'has a "default_profile" that is not a string');
  }
  const profiles = new Map<string, ProfileRecord>();
  for (const [name, value] of Object.entries(rawProfiles)) {
    const checked = checkProfile(value);
    if (!checked.ok) {
      // "…whose field "x" is not a string", or "…that is not an object".
      const joined = checked.problem.startsWith('field') ? `whose ${checked.problem}` : `that ${checked.problem}`;
      throw invalid(file, `has a profile "${sanitizeForTerminal(name, 64)}" ${joined}`);
    }
    profiles.set(name, checked.profile);
  }
  return { defaultProfile, profiles, extra };
}

export function serializeConfig(config: ConfigDocument): string {
  const data: Record<string, unknown> = { ...config.extra };
  if (config.defaultProfile !== undefined) data['default_profile'] = config.defaultProfile;
  data['profiles'] = Object.fromEntries(config.profiles);
  return `${JSON.stringify(data, null, '\t')}\n`;
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir spins forever where the kernel answers ENOENT for a
 * directory it will never create (under /proc); this one fails with that error instead.
 */
function makeDirectories(dir: string, mode: number): void {
  const missing: string[] = [];
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(current)) break;
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const path of missing) {
    try {
      mkdirSync(path, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * The directory holds secrets: 0700. If it already existed with looser modes (a directory the user made for
 * PODIO_AUTH_CONFIG_DIR, say), tighten it rather than write tokens where others can list them.
 */
export function ensurePrivateDir(dir: string): void {
  makeDirectories(dir, 0o700);
  if (process.platform === 'win32') return;
  const stat = statSync(dir);
  // A shared directory (sticky, like /tmp) or someone else's is not made private: that would lock others out of
  // it, and secrets do not belong there anyway.
  if (stat.mode & 0o1000 || (process.getuid !== undefined && stat.uid !== process.getuid())) {
    throw new PodioAuthError(
      'config_unwritable',
      `${dir} is a shared directory or not yours, so podio-auth keeps no secrets there.`,
      {
        hint: 'Point PODIO_AUTH_CONFIG_DIR at a directory of your own.',
      },
    );
  }
  if ((stat.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  accessSync(dir, constants.W_OK);
}

export function unwritable(file: string, error: unknown): PodioAuthError {
  if (error instanceof PodioAuthError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return new PodioAuthError('config_unwritable', `Could not write ${file}${code ? ` (${code})` : ''}.`, {
    hint: code === 'ENOSPC' ? 'The disk is full: free some space and try again.' : undefined,
    cause: error,
  });
}

/** Atomic write, 0600, in a private directory. Callers hold the store lock. */
export function writeConfigFile(dir: string, config: ConfigDocument, reserved?: WriteReservation): void {
  const file = configFileIn(dir);
  try {
    ensurePrivateDir(dir);
    writeFileAtomic(file, serializeConfig(config), 0o600, reserved);
  } catch (error) {
    throw unwritable(file, error);
  }
}
