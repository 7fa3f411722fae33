import { randomBytes } from 'node:crypto';
import { linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { CliError, ExitCode, interrupted } from '../errors.js';

/**
 * A lock file beside `config.json`, so that processes never refresh at once (Podio may rotate refresh tokens:
 * two refreshes with the same token could leave the stored one dead) and never lose each other's writes.
 *
 * Taken with O_EXCL. A holder that died (its pid is gone on this host) or that has held it implausibly long
 * leaves a stale lock, which the next waiter breaks.
 */

export interface LockOptions {
  signal: AbortSignal;
  /** How long to wait for another holder before giving up. */
  waitMs?: number;
  /** A lock older than this is presumed abandoned, whoever holds it. */
  staleMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  id: string;
  created: number;
}

const DEFAULT_WAIT_MS = 60_000;
const DEFAULT_STALE_MS = 120_000;

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return typeof owner.id === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(owner: LockOwner | undefined, staleMs: number): boolean {
  // A file we cannot parse is one being written right now, or garbage: judge it by age only, below.
  if (!owner) return false;
  if (Date.now() - owner.created > staleMs) return true;
  return owner.host === hostname() && !processIsAlive(owner.pid);
}

/**
 * Breaks a stale lock (`undefined`: one whose content cannot be parsed) without breaking a fresh one: rename it aside (atomic), and if what was renamed turns
 * out not to be the stale owner we judged (someone replaced it in between), put it back.
 */
function breakStaleLock(path: string, stale: LockOwner | undefined): void {
  const aside = `${path}.${randomBytes(6).toString('hex')}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  const moved = readOwner(aside);
  if (moved?.id !== stale?.id) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone holds a newer lock already; theirs stands.
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // Already gone.
  }
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new CliError('config_unwritable', ExitCode.failure, `Could not create the lock file ${path} (${(error as NodeJS.ErrnoException).code}).`, {
      hint: 'Check that the config directory is writable (PODIO_AUTH_CONFIG_DIR).',
      cause: error,
    });
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  return true;
}

export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: LockOptions): Promise<T> {
  const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const owner: LockOwner = { pid: process.pid, host: hostname(), id: randomBytes(12).toString('hex'), created: Date.now() };
  const deadline = Date.now() + waitMs;
  let unparsedSince: number | undefined;

  for (;;) {
    if (options.signal.aborted) throw interrupted();
    owner.created = Date.now();
    if (tryCreate(path, owner)) break;
    const current = readOwner(path);
    if (current && isStale(current, staleMs)) {
      breakStaleLock(path, current);
      continue;
    }
    // An unparseable lock that stays unparseable is debris from a crash between create and write.
    if (!current) {
      unparsedSince ??= Date.now();
      if (Date.now() - unparsedSince > 2_000) {
        breakStaleLock(path, undefined);
        unparsedSince = undefined;
        continue;
      }
    } else {
      unparsedSince = undefined;
    }
    if (Date.now() > deadline) {
      throw new CliError('lock_timeout', ExitCode.failure, `Another podio-auth process has held ${path} for over ${Math.round(waitMs / 1000)} s.`, {
        hint: 'If no other podio-auth is running, delete that file and try again.',
      });
    }
    // Polling: holders keep the lock for one HTTP round trip at most. Jitter spreads the waiters out.
    try {
      await delay(20 + Math.random() * 30, undefined, { signal: options.signal });
    } catch {
      throw interrupted();
    }
  }

  try {
    return await fn();
  } finally {
    if (readOwner(path)?.id === owner.id) {
      try {
        unlinkSync(path);
      } catch {
        // Gone already: nothing to release.
      }
    }
  }
}
