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
