import { type Env, secondsSetting } from '../env.js';
import { sendOnce } from './send-once.js';
import type { HttpClient, HttpClientOptions, HttpRequest, HttpResponse } from './types.js';

/** The HTTP client podio-auth talks to Podio with, and its timeout setting. */

export const DEFAULT_HTTP_TIMEOUT_SECONDS = 30;
const MIN_HTTP_TIMEOUT_SECONDS = 1;
const MAX_HTTP_TIMEOUT_SECONDS = 3600;

/**
 * `PODIO_AUTH_HTTP_TIMEOUT` (seconds) lets slow networks wait longer and tests give up sooner. A value that is not
 * a plain number in range is a usage error: ignoring it would leave a CI job waiting for the default instead.
 */
export function httpTimeoutMs(env: Env): number {
  return secondsSetting(env, 'PODIO_AUTH_HTTP_TIMEOUT', {
    min: MIN_HTTP_TIMEOUT_SECONDS,
    max: MAX_HTTP_TIMEOUT_SECONDS,
    defaultMs: DEFAULT_HTTP_TIMEOUT_SECONDS * 1000,
  });
}

/**
 * A client that honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY from `env`, never follows redirects (a token request's
 * body holds the client secret, and must not be replayed to wherever a 3xx points), opens one connection per
 * request and never retries, and ends every request within `timeoutMs` whatever the proxy or server does.
 */
export function createHttpClient(env: Env, timeoutMs: number, options: HttpClientOptions = {}): HttpClient {
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;
  const send = (request: HttpRequest): Promise<HttpResponse> => {
    if (closed) return Promise.reject(new Error('The HTTP client was used after close().'));
    const answer = sendOnce(request, env, timeoutMs, options);
    const settled = answer.then(
      () => undefined,
      () => undefined,
    );
    inFlight.add(settled);
    void settled.then(() => inFlight.delete(settled));
    return answer;
  };
  const close = async (): Promise<void> => {
    closed = true;
    // Each request destroys its sockets when it ends, and ends by its deadline at the latest.
    await Promise.all([...inFlight]);
  };
  return Object.assign(send, { close });
}
