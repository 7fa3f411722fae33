import { open, stat } from 'node:fs/promises';
import { usageError } from '../errors.js';
import { blockingRead } from '../platform/blocking-reads.js';
import { MAX_BODY_INPUT_BYTES } from './limits.js';

/**
 * A file for a field (`@file`) or `--input`, refused past what Podio takes before it fills memory: the size is
 * checked first, and again while reading, since a device or a pipe (`@/dev/zero`) has no size to check.
 */
export function readCapped(path: string): Promise<string> {
  return blockingRead(() => readCappedNow(path));
}

async function readCappedNow(path: string): Promise<string> {
  const tooLarge = () => usageError(`A file given to api is larger than ${MAX_BODY_INPUT_BYTES / 1024 / 1024} MiB.`);
  if ((await stat(path)).size > MAX_BODY_INPUT_BYTES) throw tooLarge();
  const handle = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length);
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size > MAX_BODY_INPUT_BYTES) throw tooLarge();
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await handle.close();
  }
}
