import { PodioAuthError } from '../../src/errors.js';

/** The PodioAuthError `fn` throws (anything else is rethrown; not throwing fails the test). */
export function thrown(fn: () => unknown): PodioAuthError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PodioAuthError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

/** The PodioAuthError of `code` that `promise` rejects with (anything else, or no rejection, fails the test). */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<PodioAuthError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof PodioAuthError)) throw new Error(`expected a PodioAuthError ${code}, got ${String(error)}`);
  if (error.code !== code) throw new Error(`expected ${code}, got ${error.code}: ${error.message}`);
  return error;
}
