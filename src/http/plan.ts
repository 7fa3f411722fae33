import type { ProxySetting } from './proxy-setting.js';
import type { Target } from './target.js';
import type { HttpRequest } from './types.js';

/** What a request is, settled before any socket opens, and the stages it goes through once sent. */

export interface RequestPlan {
  request: HttpRequest;
  target: Target;
  proxy: ProxySetting | undefined;
  /** The request's headers with `host` and `content-length`, already checked by node:http's rules. */
  headers: Record<string, string>;
  timeoutMs: number;
}

/**
 * Where a request is, so a failure can be blamed on the right party: connecting to the proxy, waiting for its
 * answer to `CONNECT`, connecting to the origin (directly, or TLS through the tunnel), then node:http writing the
 * request and waiting for the answer's headers, then reading the answer's body. From 'request' on node:http drives
 * the connection and reports a closed socket itself.
 */
export type Stage = 'to-proxy' | 'tunnel' | 'to-origin' | 'request' | 'answer';

/**
 * The headers to send, checked before any socket opens: node:http would otherwise throw from inside a socket
 * callback. Names and values are checked by `check`, node:http's own validation.
 */
export function requestHeaders(
  request: HttpRequest,
  target: Target,
  check: (name: string, value: string) => void,
): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers, host: target.url.host };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  for (const [name, value] of Object.entries(headers)) check(name, value);
  return headers;
}
