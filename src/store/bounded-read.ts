import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';

/** Why a file could not be used as a small regular file. */
export type UnreadableReason = 'not a regular file' | 'too large';

export class UnusableFile extends Error {
  constructor(readonly reason: UnreadableReason) {
    super(reason);
  }
}

/**
 * Reads a small regular file, and refuses anything else at once. A FIFO in its place would block a plain read
 * until a writer comes (a synchronous wait no signal can end), and /dev/zero would fill the memory. Opened
 * non-blocking, so that even a FIFO answers straight away; symbolic links are followed, as for any read.
 * Throws UnusableFile, or the system's error (ENOENT, EACCES…).
 */
export function readSmallRegularFile(path: string, maxBytes: number): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UnusableFile('not a regular file');
    if (stat.size > maxBytes) throw new UnusableFile('too large');
    // A regular file: read to its end in one call (Node's UTF-8 read, the cheapest it has), and measured again in
    // case it grew since.
    const text = readFileSync(fd, 'utf8');
    if (Buffer.byteLength(text) > maxBytes) throw new UnusableFile('too large');
    return text;
  } finally {
    closeSync(fd);
  }
}
