import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

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
export function readSmallRegularFile(path: string, maxBytes: number, { oneCall = false } = {}): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UnusableFile('not a regular file');
    if (stat.size > maxBytes) throw new UnusableFile('too large');
    // `oneCall`: Node's one-call UTF-8 read, which reads to the end, for a file only its owner can write to
    // (config.json, on `token`'s path, where it costs less). Not where fstat gives no size (/proc's files say 0):
    // there the end may be far.
    if (oneCall && stat.size > 0) return readFileSync(fd, 'utf8');
    return readUpTo(fd, stat.size, maxBytes);
  } finally {
    closeSync(fd);
  }
}

/** What is in `fd`, refused once it is past `maxBytes`: sized by fstat, one byte over to see the end. */
function readUpTo(fd: number, size: number, maxBytes: number): string {
  let buffer = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
  let length = 0;
  for (;;) {
    // Grown if the file turns out longer, up to one byte past the limit, which is where it is refused.
    if (length === buffer.length) {
      if (length > maxBytes) throw new UnusableFile('too large');
      const bigger = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const read = readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
  }
  return buffer.toString('utf8', 0, length);
}
