import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Random hex for temporary names and lock owners, from the kernel's generator (/dev/urandom), which is what
 * node:crypto's randomBytes reads too. Loading node:crypto costs a token refresh on Node 24 a tenth of its time;
 * it is loaded only where there is no /dev/urandom character device (Windows).
 */
export function randomHex(bytes: number): string {
  const buffer = Buffer.alloc(bytes);
  let fd: number | undefined;
  try {
    fd = openSync('/dev/urandom', 'r');
    if (!fstatSync(fd).isCharacterDevice()) throw new Error('not a device');
    for (let filled = 0; filled < bytes; ) {
      const read = readSync(fd, buffer, filled, bytes - filled, null);
      if (read <= 0) throw new Error('no random bytes');
      filled += read;
    }
    return buffer.toString('hex');
  } catch {
    return process.getBuiltinModule('node:crypto').randomBytes(bytes).toString('hex');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
