import { sanitizeForTerminal } from '../../domain/terminal-text.js';
import { type Check, check, LEFT_ALONE } from './check.js';
import type { DoctorProbes, FileFacts } from './probes.js';

/**
 * What `doctor --fix` may do to the config dir and file: what `login` would. It changes the mode of a directory or
 * regular file that the effective user owns, never through a symbolic link, and checks that on what it opened, not
 * on a name that can be swapped meanwhile. Each thing it leaves alone gets a check saying why.
 */

export type FixProbes = Pick<
  DoctorProbes,
  'stat' | 'lstat' | 'readlink' | 'openNoFollow' | 'fstat' | 'fchmod' | 'close' | 'euid'
>;

export function octal(value: number): string {
  return `0${value.toString(8).padStart(3, '0')}`;
}

/** Tightens `path` to `wanted` if that is podio-auth's to do; a check says what was left alone. `true`: changed. */
export function tightenMode(
  path: string,
  wanted: number,
  kind: 'dir' | 'file',
  probes: FixProbes,
): { fixed: boolean; checks: Check[] } {
  let seen: FileFacts;
  try {
    // Nothing to do when what the name leads to has the mode already (a link to a private file, say).
    if ((probes.stat(path).mode & 0o777) === wanted) return { fixed: false, checks: [] };
    seen = probes.lstat(path);
  } catch {
    return { fixed: false, checks: [] };
  }
  const reason = whyLeftAlone(path, seen, kind, probes);
  if (reason !== undefined) return { fixed: false, checks: reason === '' ? [] : [leftAlone(path, reason)] };
  let fd: number;
  try {
    fd = probes.openNoFollow(path, kind);
  } catch (error) {
    return { fixed: false, checks: [couldNot(path, error)] };
  }
  try {
    const opened = probes.fstat(fd);
    // What was opened must be what was looked at, and still podio-auth's to change.
    const changed = opened.ino !== seen.ino || opened.dev !== seen.dev;
    const now = changed ? 'it was replaced while being looked at' : whyLeftAlone(path, opened, kind, probes);
    if (now !== undefined) return { fixed: false, checks: now === '' ? [] : [leftAlone(path, now)] };
    probes.fchmod(fd, wanted);
    return { fixed: true, checks: [] };
  } catch (error) {
    return { fixed: false, checks: [couldNot(path, error)] };
  } finally {
    probes.close(fd);
  }
}

/** Why `stats` (of `path`, not followed) is not podio-auth's to change; '' for "nothing to say"; undefined: go. */
function whyLeftAlone(path: string, stats: FileFacts, kind: 'dir' | 'file', probes: FixProbes): string | undefined {
  if (stats.isSymbolicLink()) {
    let target = '';
    try {
      target = ` to ${sanitizeForTerminal(probes.readlink(path), 200)}`;
    } catch {
      // Gone meanwhile: still a link as far as this is concerned.
    }
    return `it is a symbolic link${target}, and --fix never changes a mode through a link`;
  }
  // Not a config dir or file at all (a device, a FIFO): the checks of the files say so.
  if (kind === 'dir' ? !stats.isDirectory() : !stats.isFile()) return '';
  // Root included: a root that owns nothing here changes nothing.
  const euid = probes.euid();
  if (euid !== undefined && stats.uid !== euid) {
    return `it belongs to uid ${stats.uid}, not to you (uid ${euid}), and --fix changes only what you own`;
  }
  return undefined;
}

function leftAlone(path: string, reason: string): Check {
  return check(
    LEFT_ALONE,
    'warn',
    `--fix left ${sanitizeForTerminal(path, 200)} alone: ${reason}.`,
    'Change it by hand if it is yours to change, or point PODIO_AUTH_CONFIG_DIR at a directory of your own.',
  );
}

function couldNot(path: string, error: unknown): Check {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return check(
    'fix',
    'fail',
    `Could not change the mode of ${sanitizeForTerminal(path, 200)} (${code}).`,
    'Fix it by hand, as its owner.',
  );
}
