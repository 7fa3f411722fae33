/**
 * The lock beside `config.json` that serialises refreshes and writes across processes: Podio may rotate refresh
 * tokens, so two refreshes with the same token could leave the stored one dead, and two writers could lose each
 * other's changes.
 *
 * Taken by hard-linking a written owner record; alive by a heartbeat (mtime), not a pid; fenced before every
 * write. The reasons: docs/design.md, "Locks that are never stolen from a live holder".
 */
import {
  closeSync,
  linkSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { interrupted, PodioAuthError } from '../../errors.js';
import { randomHex } from '../../platform/random-hex.js';
import { readSmallRegularFile } from '../bounded-read.js';
import type { Lease, Locker } from '../port.js';

export interface FileLockTimings {
  /** How often the holder shows it is alive. */
  heartbeatMs: number;
  /** A lock whose heartbeat has been still this long is abandoned. */
  staleMs: number;
  /** How long a waiter waits in all before giving up. */
  waitMs: number;
}

export const DEFAULT_FILE_LOCK_TIMINGS: FileLockTimings = { heartbeatMs: 1_000, staleMs: 10_000, waitMs: 60_000 };

export interface FileLockOptions {
  timings?: Partial<FileLockTimings>;
  /** Monotonic milliseconds (waiters' own clock). */
  monotonic?: () => number;
  /** Wall clock, for the heartbeat's mtime (only its changes matter). */
  now?: () => Date;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

interface LockOwner {
  id: string;
  pid: number;
  host: string;
  /** Kernel boot id and pid namespace: together they say whether `pid` means the same process here. */
  boot?: string;
  pidns?: string;
  /** The holder's start time in clock ticks since boot (Linux), to tell pid reuse. */
  start?: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function processStart(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  // Field 22, counted after the command name, which may itself contain spaces and parentheses.
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

function currentOwner(): LockOwner {
  const owner: LockOwner = { id: randomHex(12), pid: process.pid, host: hostname() };
  const boot = readText('/proc/sys/kernel/random/boot_id');
  const pidns = pidNamespace();
  const start = processStart(process.pid);
  if (boot) owner.boot = boot;
  if (pidns) owner.pidns = pidns;
  if (start) owner.start = start;
  return owner;
}

function readOwner(path: string): LockOwner | undefined {
  let text: string;
  try {
    // A lock file someone replaced with a FIFO or a device must not block or fill the memory.
    text = readSmallRegularFile(path, 64 * 1024).trim();
  } catch {
    return undefined;
  }
  if (!text) return undefined;
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    return typeof owner.id === 'string' && typeof owner.pid === 'number' ? (owner as LockOwner) : undefined;
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

/** True only when the owner certainly is not running: same machine and pid namespace, and its process is gone. */
function provablyDead(owner: LockOwner, me: LockOwner): boolean {
  if (!owner.boot || owner.boot !== me.boot || !owner.pidns || owner.pidns !== me.pidns) return false;
  if (owner.pid === me.pid) return owner.id !== me.id && owner.start !== undefined && owner.start !== me.start;
  if (!processIsAlive(owner.pid)) return true;
  const start = processStart(owner.pid);
  return owner.start !== undefined && start !== undefined && start !== owner.start;
}

function lockError(path: string, error: unknown): PodioAuthError {
  const code = (error as NodeJS.ErrnoException).code;
  return new PodioAuthError('config_unwritable', `Could not create the lock file ${path} (${code ?? 'error'}).`, {
    cause: error,
  });
}

/** Creates the lock with its content in one step; false when someone holds it. */
function tryCreate(path: string, owner: LockOwner): boolean {
  const text = JSON.stringify(owner);
  const temp = `${path}.new-${owner.id}`;
  try {
    writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // A full disk creates the file and then fails to write it: leave nothing behind.
    rmSync(temp, { force: true });
    throw lockError(path, error);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') return tryCreateExclusive(path, text);
    throw lockError(path, error);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Already gone.
    }
  }
}

/** For file systems without hard links: O_EXCL, then the content (a crash in between leaves an empty lock). */
function tryCreateExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw lockError(path, error);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Identity of the lock file as a waiter sees it: any change means its holder is alive. */
function fingerprint(path: string): string | undefined {
  try {
    // lstat: a lock that is a symlink (dangling or not) is judged as itself, never by what it points at.
    const stat = lstatSync(path);
    return `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
  } catch {
    return undefined;
  }
}

function breakLock(path: string, judged: string): void {
  const aside = `${path}.stale-${randomHex(6)}`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  const moved = lstatSync(aside, { throwIfNoEntry: false });
  if (!moved || `${moved.ino}:${moved.mtimeMs}:${moved.size}` !== judged) {
    // A new holder got in between the judgement and the rename: its lock stands.
    try {
      linkSync(aside, path);
    } catch {
      // Someone holds a newer lock already; theirs stands.
    }
  }
  // Whatever it is (a file, a symlink, a directory someone made there), it goes.
  rmSync(aside, { recursive: true, force: true });
}

function lockTimeout(path: string, waitMs: number): PodioAuthError {
  return new PodioAuthError(
    'lock_timeout',
    `Another podio-auth process has held ${path} for over ${Math.round(waitMs / 1000)} s.`,
  );
}

/** Locks this process holds, released synchronously when the process must exit at once (a second Ctrl-C). */
const held = new Map<string, string>();

export function releaseHeldLocksSync(): void {
  for (const [path, id] of held) {
    if (readOwner(path)?.id === id) {
      try {
        unlinkSync(path);
      } catch {
        // Gone already.
      }
    }
  }
  held.clear();
}

/** `lockPath`: the lock file, or how to find it at each acquire (next to a file whose place may change). */
export function createFileLocker(lockPath: string | (() => string), options: FileLockOptions = {}): Locker {
  const timings = { ...DEFAULT_FILE_LOCK_TIMINGS, ...options.timings };
  const monotonic = options.monotonic ?? (() => performance.now());
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }));

  return {
    async acquire(signal) {
      const path = typeof lockPath === 'string' ? lockPath : lockPath();
      const me = currentOwner();
      let tookOverSilentHolder = false;
      const deadline = monotonic() + timings.waitMs;
      let seen: { print: string; since: number } | undefined;
      for (;;) {
        if (signal.aborted) throw interrupted(undefined, signal.reason);
        if (tryCreate(path, me)) return holdLease(path, me, timings.heartbeatMs, now, tookOverSilentHolder);
        const print = fingerprint(path);
        if (print === undefined) {
          // Released between our attempt and the look: try again, but never in a loop that starves signals.
          if (monotonic() > deadline) throw lockTimeout(path, timings.waitMs);
          await sleep(1, signal).catch(() => undefined);
          continue;
        }
        const owner = readOwner(path);
        if (owner && provablyDead(owner, me)) {
          breakLock(path, print);
          continue;
        }
        if (seen?.print !== print) {
          seen = { print, since: monotonic() };
        } else if (monotonic() - seen.since > timings.staleMs) {
          breakLock(path, print);
          // A holder that went silent may only be stopped, and may yet come back with what it was doing.
          tookOverSilentHolder = true;
          seen = undefined;
          continue;
        }
        if (monotonic() > deadline) throw lockTimeout(path, timings.waitMs);
        try {
          await sleep(20 + Math.random() * 40, signal);
        } catch {
          throw interrupted(undefined, signal.reason);
        }
      }
    },
  };
}

function holdLease(
  path: string,
  me: LockOwner,
  heartbeatMs: number,
  now: () => Date,
  tookOverSilentHolder: boolean,
): Lease {
  held.set(path, me.id);
  let lost = false;
  const stillMine = () => !lost && readOwner(path)?.id === me.id;
  const beat = setInterval(() => {
    if (!stillMine()) {
      lost = true;
      clearInterval(beat);
      return;
    }
    try {
      const time = now();
      utimesSync(path, time, time);
    } catch {
      // Gone: the next check says so.
    }
  }, heartbeatMs);
  beat.unref();
  return {
    tookOverSilentHolder,
    async assertHeld() {
      if (stillMine()) return;
      lost = true;
      throw new PodioAuthError(
        'lock_lost',
        'Another podio-auth process took the lock over while this one was stopped or too slow; nothing was written.',
      );
    },
    async release() {
      clearInterval(beat);
      held.delete(path);
      if (readOwner(path)?.id === me.id) {
        try {
          unlinkSync(path);
        } catch {
          // Gone already.
        }
      }
    },
  };
}
