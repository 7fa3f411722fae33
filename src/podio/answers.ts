import { isObject } from '../domain/guards.js';
import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { PodioAuthError, type PodioFailure } from '../errors.js';
import type { HttpResponse } from '../http.js';

/** How Podio's answers look: JSON bodies, its error body, rate limits, and the 401s that mean "refresh". */

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Podio's error body (`error`, `error_description`), made safe to show. */
export function podioFailure(response: HttpResponse, body: unknown = parseJson(response.text)): PodioFailure {
  const failure: PodioFailure = { status: response.status };
  if (isObject(body)) {
    if (typeof body['error'] === 'string') failure.error = sanitizeForTerminal(body['error'], 60);
    if (typeof body['error_description'] === 'string') {
      failure.errorDescription = sanitizeForTerminal(body['error_description']);
    }
  }
  return failure;
}

/** `invalid_grant: The refresh token is no longer valid`, or '' when Podio said nothing. */
export function describeFailure(failure: PodioFailure): string {
  return [failure.error, failure.errorDescription].filter(Boolean).join(': ');
}

export function describeBody(response: HttpResponse): string {
  const type = response.headers['content-type']?.split(';')[0]?.trim();
  if (response.text.length === 0) return 'an empty body';
  if (type && type !== 'application/json') return `${sanitizeForTerminal(type, 60)} instead of JSON`;
  return 'JSON that could not be parsed';
}

/**
 * A 401 that Podio's own clients answer by refreshing and retrying: the token expired on Podio's side (its clock,
 * or an early end) or is not known (`invalid_token`). podio-js transport.js, podio-php, podio-rb oauth2.rb.
 */
export function isTokenExpiredAnswer(failure: PodioFailure | undefined): boolean {
  if (failure?.status !== 401) return false;
  const said = [failure.error, failure.errorDescription];
  return said.includes('expired_token') || said.includes('invalid_token');
}

/** Errors every Podio endpoint shares: rate limits and server trouble. */
export function commonError(response: HttpResponse, what: string): PodioAuthError | undefined {
  if (response.status === 420 || response.status === 429) {
    const limit = response.headers['x-rate-limit-limit'];
    const remaining = response.headers['x-rate-limit-remaining'];
    const figures = limit
      ? ` (limit ${sanitizeForTerminal(limit, 12)}, remaining ${sanitizeForTerminal(remaining ?? '0', 12)})`
      : '';
    return new PodioAuthError('rate_limited', `Podio's rate limit was reached at ${what}${figures}.`, {
      hint: "Podio's limits are per user and API key per hour (about 1,000 calls): try again later.",
      podio: podioFailure(response),
    });
  }
  if (response.status >= 500) {
    return new PodioAuthError('server_error', `Podio failed at ${what} (HTTP ${response.status}).`, {
      podio: podioFailure(response),
    });
  }
  return undefined;
}

/** The answer to a call made with an access token: Podio rejected the token. */
export function tokenRejected(response: HttpResponse, what: string): PodioAuthError {
  const failure = podioFailure(response);
  const said = describeFailure(failure);
  return new PodioAuthError(
    'token_rejected',
    `Podio rejected the access token at ${what}${said ? ` (${said})` : ''}.`,
    {
      podio: failure,
    },
  );
}
