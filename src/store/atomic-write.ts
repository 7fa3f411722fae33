import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces a file atomically: a temporary file in the same directory, written and fsynced, then renamed over the
 * target, then the directory fsynced. A crash at any point leaves the old file or the new one, never a mix; a full
 * disk fails before the rename and leaves the old file as it was. (No in-place mode, whatever the environment
 * says: config libraries that write in place under SNAP truncate the file first.)
 *
 * Callers hold the store lock, so any temporary file found beside the target is debris from a holder that crashed
 * or lost the lock: it is removed before writing (and a holder that lost the lock then fails its rename).
 */

const TEMP_MARK = '.tmp-';

export function tempFilesOf(target: string): string[] {
  const prefix = `${basename(target)}${TEMP_MARK}`;
  try {
    return readdirSync(dirname(target))
      .filter((name) => name.startsWith(prefix))
      .map((name) => join(dirname(target), name));
  } catch {
    return [];
  }
}

export function removeTempFiles(target: string): void {
  for (const file of tempFilesOf(target)) {
    try {
      unlinkSync(file);
    } catch {
      // Gone already, or not ours to remove: the rename of whoever owns it decides.
    }
  }
}

/** A symlinked file (dotfiles managed elsewhere) is replaced where it really lives, and the link kept. */
export function realTarget(target: string): string {
  try {
    return lstatSync(target).isSymbolicLink() ? realpathSync(target) : target;
  } catch {
    return target;
  }
}

export function writeFileAtomic(path: string, text: string, mode = 0o600): void {
  const target = realTarget(path);
  removeTempFiles(target);
  const temp = `${target}${TEMP_MARK}${randomBytes(6).toString('hex')}`;
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', mode);
    const data = Buffer.from(text, 'utf8');
    for (let offset = 0; offset < data.length; ) offset += writeSync(fd, data, offset, data.length - offset);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // Never created, or already renamed.
    }
    throw error;
  }
  syncDirectory(dirname(target));
}

/** Makes the rename itself durable. Not every platform can open a directory; the rename is atomic anyway. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows, or a file system that does not sync directories.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
