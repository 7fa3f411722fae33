import type { Readable } from 'node:stream';

/**
 * Everything written to a test's stream so far, as text. One `read()` is not enough: newer Node versions hand
 * buffered writes back one chunk per call.
 */
export function readAll(stream: Readable): string {
  const chunks: Buffer[] = [];
  for (let chunk = stream.read(); chunk !== null; chunk = stream.read()) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString();
}
