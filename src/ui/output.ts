import type { OutputStream } from '../deps.js';
import { PodioAuthError } from '../errors.js';

/**
 * Writes data (a token, JSON) to stdout and waits until it is handed to the OS, so that a closed, full or broken
 * stdout (`> /dev/full`, a reader that went away) is one clear error, not a crash or a silent exit 0.
 */
export function writeData(stream: OutputStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      stream.off('error', fail);
      reject(
        new PodioAuthError('output_failed', `Could not write to standard output (${error.code ?? error.message}).`, {
          cause: error,
        }),
      );
    };
    stream.once('error', fail);
    try {
      stream.write(text, (error) => {
        stream.off('error', fail);
        if (error) fail(error as NodeJS.ErrnoException);
        else resolve();
      });
    } catch (error) {
      fail(error as NodeJS.ErrnoException);
    }
  });
}
