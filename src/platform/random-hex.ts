import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Random hex for temporary names and lock owners, from the kernel's generator (/dev/urandom), which is what
 * node:crypto's randomBytes reads too. Loading node:crypto costs a token refresh on Node 24 a tenth of its time; it
 * is loaded only where /dev/urandom is not a character device that gives random bytes (Windows, a FIFO or
 * /dev/zero mounted in its place): opened without waiting, so a FIFO there cannot hang the command.
 */
export function randomHex(bytes: number, device = '/dev/urandom'): string {
  return fromDevice(device, bytes) ?? process.getBuiltinModule('node:crypto').randomBytes(bytes).toString('hex');
}

/** Node takes open(2) flags as a number here too, though its types say only strings. */
const WITHOUT_WAITING = (constants.O_RDONLY | constants.O_NONBLOCK) as unknown as string;

function fromDevice(device: string, bytes: number): string | undefined {
  const buffer = Buffer.alloc(bytes);
  let fd: number | undefined;
  try {
    fd = openSync(device, WITHOUT_WAITING);
    if (!fstatSync(fd).isCharacterDevice()) return undefined;
    for (let filled = 0; filled < bytes; ) {
      const read = readSync(fd, buffer, filled, bytes - filled, null);
      if (read <= 0) return undefined;
      filled += read;
    }
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  // A device that gives one byte over and over (/dev/zero) is no generator: names drawn from it would collide.
  return bytes > 1 && buffer.every((byte) => byte === buffer[0]) ? undefined : buffer.toString('hex');
}
