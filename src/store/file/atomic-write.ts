import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  openSync,
  readdirSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomHex } from '../../platform/random-hex.js';

/**
 * Replaces a file atomically: a temporary file in the same directory, written and fsynced, then renamed over the
 * target, then the directory fsynced. A crash at any point leaves the old file or the new one, never a mix; a full
 * disk fails before the rename and leaves the old file as it was. (No in-place mode, whatever the environment
 * says: config libraries that write in place under SNAP truncate the file first.)
 *
 * Callers hold the store lock, so any temporary file found beside the target is debris from a holder that crashed
 * or lost the lock: it is removed before writing (and a holder that lost the lock then fails its rename).
 */

export const TEMP_MARK = '.tmp-';
/** Room reserved for a write: spaces only, so readers need not wait for it to go (see `reserveWrite`). */
const ROOM_MARK = '.room-';

export function tempFilesOf(target: string, mark = TEMP_MARK): string[] {
  const prefix = `${basename(target)}${mark}`;
  try {
    return readdirSync(dirname(target))
      .filter((name) => name.startsWith(prefix))
      .map((name) => join(dirname(target), name));
  } catch {
    return [];
  }
}

export function removeTempFiles(target: string): void {
  for (const file of [...tempFilesOf(target), ...tempFilesOf(target, ROOM_MARK)]) {
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

/**
 * Room claimed for the next write of a file: its temporary file, already written to `bytes` and synced, so that
 * the write only overwrites blocks the file system has given it. Taken before something that only that write
 * can keep is spent (a refresh that makes Podio replace the refresh token), so that a full disk fails first.
 */
export interface WriteReservation {
  readonly target: string;
  readonly temp: string;
  fd: number | undefined;
}

export function reserveWrite(path: string, bytes: number, mode = 0o600): WriteReservation {
  const target = realTarget(path);
  removeTempFiles(target);
  const temp = `${target}${ROOM_MARK}${randomHex(6)}`;
  const fd = openSync(temp, 'wx', mode);
  try {
    const block = Buffer.alloc(Math.min(bytes, 64 * 1024), 0x20);
    for (let written = 0; written < bytes; ) {
      written += writeSync(fd, block, 0, Math.min(block.length, bytes - written));
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkQuietly(temp);
    throw error;
  }
  return { target, temp, fd };
}

/** Gives back room reserved and not used. */
export function releaseReservation(reservation: WriteReservation): void {
  if (reservation.fd === undefined) return;
  closeSync(reservation.fd);
  reservation.fd = undefined;
  unlinkQuietly(reservation.temp);
}

/** Writes `text` as the whole new content of `path`, into the room reserved for it when there is some. */
export function writeFileAtomic(path: string, text: string, mode = 0o600, reserved?: WriteReservation): void {
  const target = realTarget(path);
  const useReserved = reserved?.fd !== undefined && reserved.target === target;
  if (!useReserved) removeTempFiles(target);
  const temp = newTempName(target);
  let fd: number | undefined;
  try {
    if (useReserved) {
      // Renamed first: from now on it will hold secrets, and what holds them is a temporary file to every reader.
      fd = reserved.fd;
      reserved.fd = undefined;
      renameSync(reserved.temp, temp);
    } else {
      fd = openSync(temp, 'wx', mode);
    }
    const data = Buffer.from(text, 'utf8');
    // At the start of the file: into the reserved blocks, then cut to length.
    for (let offset = 0; offset < data.length; ) {
      offset += writeSync(fd as number, data, offset, data.length - offset, offset);
    }
    if (useReserved) ftruncateSync(fd as number, data.length);
    fsyncSync(fd as number);
    closeSync(fd as number);
    fd = undefined;
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    unlinkQuietly(temp);
    if (useReserved) unlinkQuietly(reserved.temp);
    throw error;
  }
  syncDirectory(dirname(target));
}

function newTempName(target: string): string {
  return `${target}${TEMP_MARK}${randomHex(6)}`;
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Never created, or already renamed.
  }
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
