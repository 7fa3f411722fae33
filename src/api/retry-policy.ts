import { isErrorCode } from '../errors.js';
import type { HttpResponse } from '../http.js';

/**
 * Which failed GETs are tried again, and after what pause. Only a GET is ever repeated (a POST may have done its
 * work before the answer was lost), only after 502/503/504 or a reset connection, and twice at most; 420 and 429
 * never are: Podio's window is an hour, and retrying spends it.
 */

/** Retries of a GET after a 502/503/504 or a reset connection. */
export const MAX_GET_RETRIES = 2;
const RETRY_DELAYS_MS = [1000, 2000] as const;
/** A Retry-After longer than this is not waited for: the answer is reported instead. */
const MAX_RETRY_AFTER_SECONDS = 30;
const RETRYABLE_STATUSES = new Set([502, 503, 504]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** The pause before retry number `attempt + 1` when the server gives no Retry-After. */
export function backoffMs(attempt: number): number {
  return RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)] ?? RETRY_DELAYS_MS[0];
}

/** The pause before retry number `attempt + 1`: Retry-After when the server gives a short one; undefined: do not. */
export function retryDelayMs(attempt: number, response: HttpResponse): number | undefined {
  const retryAfter = response.headers['retry-after']?.trim();
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) {
    const seconds = Number(retryAfter);
    return seconds <= MAX_RETRY_AFTER_SECONDS ? seconds * 1000 : undefined;
  }
  return backoffMs(attempt);
}

/** The HTTP client reports a connection closed before the answer as `network`, with the socket error as cause. */
export function isConnectionReset(error: unknown): boolean {
  if (!isErrorCode(error, 'network')) return false;
  for (let e: unknown = error.cause, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RESET_CODES.has(code)) return true;
  }
  return false;
}
