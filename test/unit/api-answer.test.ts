import { describe, expect, it } from 'vitest';
import { failureOf, hasRateFigures, rateLimitWarning, tokenRejectionReason } from '../../src/api/podio-answer.js';
import {
  backoffMs,
  isConnectionReset,
  isRetryableStatus,
  MAX_GET_RETRIES,
  retryDelayMs,
} from '../../src/api/retry-policy.js';
import { PodioAuthError } from '../../src/errors.js';
import type { HttpResponse } from '../../src/http.js';

const answer = (status: number, body: unknown = '', headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers,
  text: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('what an answer of Podio says', () => {
  it('finds expired_token/invalid_token in error_description, error, or WWW-Authenticate, on a 401 only', () => {
    expect(tokenRejectionReason(answer(401, { error: 'unauthorized', error_description: 'expired_token' }))).toBe(
      'expired_token',
    );
    expect(tokenRejectionReason(answer(401, { error: 'invalid_token' }))).toBe('invalid_token');
    const challenge = { 'www-authenticate': 'OAuth2 realm="podio", error="expired_token"' };
    expect(tokenRejectionReason(answer(401, 'not json', challenge))).toBe('expired_token');
    expect(tokenRejectionReason(answer(401, { error: 'unauthorized', error_description: 'no_scope' }))).toBe(undefined);
    expect(tokenRejectionReason(answer(403, { error: 'expired_token' }))).toBe(undefined);
    expect(tokenRejectionReason(answer(401, '[1,2]'))).toBe(undefined);
  });

  it('warns when fewer than a tenth of the hourly calls are left, and only with both figures', () => {
    const figures = (limit: string, remaining: string) =>
      answer(200, '{}', { 'x-rate-limit-limit': limit, 'x-rate-limit-remaining': remaining });
    expect(rateLimitWarning(figures('1000', '99'))).toBe(
      "Podio's rate limit is nearly used: 99 of 1000 calls left in the current hour.",
    );
    expect(rateLimitWarning(figures('1000', '100'))).toBe(undefined);
    expect(rateLimitWarning(figures('0', '0'))).toBe(undefined);
    expect(rateLimitWarning(figures('1000', 'few'))).toBe(undefined);
    expect(hasRateFigures(figures('1000', '500'))).toBe(true);
    expect(hasRateFigures(answer(200, '{}', { 'x-rate-limit-limit': '1000' }))).toBe(false);
  });

  it('a 2xx is no failure; 420 and 429 are rate_limited, with the figures when the answer has them', () => {
    expect(failureOf(answer(204), 'none')).toBe(undefined);
    const limited = failureOf(answer(420, '{}', { 'x-rate-limit-remaining': '0' }), 'none');
    expect(limited?.code).toBe('rate_limited');
    expect(limited?.message).toBe('Rate limited by Podio (HTTP 420): 0 of unknown calls left in the current hour.');
    expect(failureOf(answer(429), 'none')?.message).toBe(
      'Rate limited by Podio (HTTP 429) (no limit figures in the answer); Podio counts calls per hour.',
    );
  });

  it("a rejected token says whether a refresh was tried; other failures carry Podio's words, made printable", () => {
    const rejected = answer(401, { error: 'unauthorized', error_description: 'expired_token' });
    expect(failureOf(rejected, 'retried')?.message).toBe(
      'Podio rejected the access token (expired_token) even after a refresh.',
    );
    expect(failureOf(rejected, 'no-new-token')?.message).toBe(
      'Podio rejected the access token (expired_token) and refreshing gave no other token.',
    );
    const notFound = failureOf(answer(404, { error: 'not_found', error_description: 'Item \u001b[31mgone' }), 'none');
    expect(notFound).toBeInstanceOf(PodioAuthError);
    expect(notFound?.code).toBe('http_error');
    expect(notFound?.message).not.toContain('\u001b');
    expect(notFound?.message).toMatch(/^HTTP 404: Item .*gone$/);
    expect(notFound?.podio).toEqual({ status: 404, error: 'not_found', errorDescription: 'Item \u001b[31mgone' });
    expect(failureOf(answer(500, '<html>'), 'none')?.message).toBe('HTTP 500');
  });
});

describe('the retry policy of a GET', () => {
  it('retries 502, 503 and 504 only, twice at most, after 1 s then 2 s', () => {
    expect([500, 502, 503, 504, 420, 429].map(isRetryableStatus)).toEqual([false, true, true, true, false, false]);
    expect(MAX_GET_RETRIES).toBe(2);
    expect([0, 1, 2, 5].map(backoffMs)).toEqual([1000, 2000, 2000, 2000]);
  });

  it('waits for a short Retry-After, not for a long one, and ignores one it cannot read', () => {
    expect(retryDelayMs(0, answer(503, '', { 'retry-after': ' 3 ' }))).toBe(3000);
    expect(retryDelayMs(0, answer(503, '', { 'retry-after': '30' }))).toBe(30_000);
    expect(retryDelayMs(0, answer(503, '', { 'retry-after': '31' }))).toBe(undefined);
    expect(retryDelayMs(1, answer(503, '', { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }))).toBe(2000);
    expect(retryDelayMs(0, answer(502))).toBe(1000);
  });

  it('counts a network failure caused by a reset socket, however deep the cause, and nothing else', () => {
    const socket = (code: string) => Object.assign(new Error(code), { code });
    const network = (cause: unknown) => new PodioAuthError('network', 'The connection failed.', { cause });
    expect(isConnectionReset(network(socket('ECONNRESET')))).toBe(true);
    expect(isConnectionReset(network(new Error('wrapped', { cause: socket('EPIPE') })))).toBe(true);
    expect(isConnectionReset(network(socket('ECONNREFUSED')))).toBe(false);
    expect(isConnectionReset(new PodioAuthError('timeout', 'Timed out.', { cause: socket('ECONNRESET') }))).toBe(false);
    expect(isConnectionReset(socket('ECONNRESET'))).toBe(false);
  });
});
