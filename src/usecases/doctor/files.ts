import type { ConfigDocument } from '../../store/file/config-file.js';
import { type Check, check } from './check.js';
import { type FixProbes, octal, tightenMode } from './fix-modes.js';
import type { DoctorProbes } from './probes.js';

/** The config directory and file: there, private (0700 and 0600), readable, and whether a lock is held or left. */

export type FilesProbes = FixProbes & Pick<DoctorProbes, 'platform' | 'exists' | 'readConfig' | 'lockFileOf'>;

export interface FilesOutcome {
  checks: Check[];
  /** The config as read, when it could be. */
  config: ConfigDocument | undefined;
}

/** Holders touch the lock every second: one still for longer than this is abandoned. */
const ABANDONED_LOCK_MS = 30_000;

/** Directory 0700 and file 0600; with `fix`, tightens them first. */
export function checkFiles(dir: string, file: string, fix: boolean, now: Date, probes: FilesProbes): FilesOutcome {
  const checks: Check[] = [];
  if (!probes.exists(dir)) {
    checks.push(check('config', 'info', `No config directory yet (${dir}): nobody has logged in here.`));
    return { checks, config: undefined };
  }
  if (!probes.stat(dir).isDirectory()) {
    const hint = 'Move it aside, or point PODIO_AUTH_CONFIG_DIR at a directory.';
    checks.push(check('config-dir', 'fail', `The config directory ${dir} is not a directory.`, hint));
    return { checks, config: undefined };
  }
  const fixed = fix && probes.platform !== 'win32' ? tightenBoth(dir, file, probes, checks) : [];
  checks.push(dirModeCheck(dir, probes.stat(dir).mode & 0o777, fixed.includes(dir)));
  if (!probes.exists(file)) {
    checks.push(check('config-file', 'info', `No config file yet (${file}).`));
    return { checks, config: undefined };
  }
  const stats = probes.stat(file);
  if (!stats.isFile()) {
    const hint = 'Move it aside, then run `podio-auth login` again.';
    checks.push(check('config-file', 'fail', `Config file ${file} is not a regular file.`, hint));
    return { checks, config: undefined };
  }
  checks.push(fileModeCheck(file, stats.mode & 0o777, fixed.includes(file)));
  const config = readConfig(file, now, probes, checks);
  return { checks, config };
}

/** `--fix`: the paths it changed; its checks say what it left alone. */
function tightenBoth(dir: string, file: string, probes: FixProbes, checks: Check[]): string[] {
  const fixed: string[] = [];
  for (const [path, wanted, kind] of [
    [dir, 0o700, 'dir'],
    [file, 0o600, 'file'],
  ] as const) {
    const outcome = tightenMode(path, wanted, kind, probes);
    if (outcome.fixed) fixed.push(path);
    checks.push(...outcome.checks);
  }
  return fixed;
}

function dirModeCheck(dir: string, mode: number, fixed: boolean): Check {
  return mode === 0o700
    ? check('config-dir', 'ok', `Config directory ${dir} (${octal(mode)})${fixed ? ', fixed' : ''}`)
    : check(
        'config-dir',
        'fail',
        `Config directory ${dir} has mode ${octal(mode)}: others can look inside.`,
        `Run \`chmod 700 ${dir}\`, or \`podio-auth doctor --fix\`.`,
      );
}

function fileModeCheck(file: string, mode: number, fixed: boolean): Check {
  return mode === 0o600
    ? check('config-file', 'ok', `Config file ${file} (${octal(mode)})${fixed ? ', fixed' : ''}`)
    : check(
        'config-file',
        'fail',
        `Config file ${file} has mode ${octal(mode)}: others can read your tokens.`,
        `Run \`chmod 600 ${file}\`, or \`podio-auth doctor --fix\`.`,
      );
}

function readConfig(file: string, now: Date, probes: FilesProbes, checks: Check[]): ConfigDocument | undefined {
  try {
    const config = probes.readConfig(file);
    checks.push(check('config-parse', 'ok', `Config file parses (${config.profiles.size} profile(s))`));
    const lock = probes.lockFileOf(file);
    if (probes.exists(lock)) checks.push(lockCheck(lock, now.getTime() - probes.stat(lock).mtimeMs));
    return config;
  } catch (error) {
    checks.push(
      check('config-parse', 'fail', (error as Error).message, 'Fix the file, or move it aside and log in again.'),
    );
    return undefined;
  }
}

/** An abandoned lock is broken by the next refresh anyway: a warning, not a failure. */
function lockCheck(lock: string, stillMs: number): Check {
  return stillMs > ABANDONED_LOCK_MS
    ? check(
        'lock',
        'warn',
        `A lock file has been left behind: ${lock}`,
        'The next refresh takes it over; nothing to do.',
      )
    : check('lock', 'info', `Another podio-auth holds the lock right now (${lock}).`);
}
