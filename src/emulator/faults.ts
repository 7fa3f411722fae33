import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, podioError, rateLimitAnswer } from './answers.js';

/** The failures a test can switch on for a path: what Podio, a proxy or a broken network has been seen to do. */

export type Fault =
  | 'rate-limit'
  | 'server-error'
  | 'html'
  | 'truncated'
  | 'hang'
  | 'reset'
  | 'not-found'
  | 'redirect'
  /** Podio ended the token before its expiry: 401 `expired_token`. */
  | 'expired-token';

/** Paths a fault can be set on: Podio's, or any other a subclass serves. */
export type FaultPath = '/oauth/token/v2' | '/oauth/token' | '/user/status' | '/oauth/scope' | (string & {});

/** `rateLimit`: the hourly allowance the 420 reports; `baseUrl`: where a 'redirect' sends the client. */
export function applyFault(
  fault: Fault,
  req: IncomingMessage,
  res: ServerResponse,
  { rateLimit, baseUrl }: { rateLimit: number; baseUrl: string },
): void {
  switch (fault) {
    case 'rate-limit':
      res.setHeader('X-Rate-Limit-Limit', String(rateLimit));
      res.setHeader('X-Rate-Limit-Remaining', '0');
      json(res, rateLimitAnswer(3600, req));
      return;
    case 'server-error':
      json(res, podioError(500, 'unavailable', 'Internal server error', req));
      return;
    case 'not-found':
      json(res, podioError(404, 'not_found', 'No such endpoint', req));
      return;
    case 'html':
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><h1>Maintenance</h1></body></html>');
      return;
    case 'truncated':
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token": "abc", "expires_in": 28');
      return;
    case 'redirect':
      // A client that followed this would replay the client secret to wherever it points.
      res.writeHead(307, { location: `${baseUrl}/__redirected` }).end();
      return;
    case 'reset':
      req.socket.destroy();
      return;
    case 'hang':
      // Never answer; stop() destroys the socket.
      return;
    case 'expired-token':
      res.setHeader('WWW-Authenticate', 'Bearer realm="podio", error="expired_token"');
      json(res, podioError(401, 'unauthorized', 'expired_token', req));
      return;
  }
}
