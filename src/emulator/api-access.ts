import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, podioError, rateLimitAnswer } from './answers.js';
import type { Grant, GrantLedger } from './grants.js';

/**
 * Who may make an API call: the access token (`Authorization: OAuth2 …` or `?oauth_token=`) must be live, and
 * within its hourly allowance of emulated time, as Podio counts it. Every answer carries the rate-limit headers.
 */

const RATE_WINDOW_MS = 3600 * 1000;

export interface ApiAccess {
  /** The token's grant, or undefined after answering 401 or 420. */
  authenticate(req: IncomingMessage, res: ServerResponse): Grant | undefined;
}

/** Calls counted per access token, each in its hour of emulated time. */
type CallCounts = Map<string, { windowStart: number; calls: number }>;

export function createApiAccess(ledger: GrantLedger, limit: () => number, now: () => number): ApiAccess {
  const apiCalls: CallCounts = new Map();
  return {
    authenticate(req, res) {
      const token = accessTokenOf(req);
      const entry = ledger.accessToken(token);
      if (!entry || entry.grant.revoked || entry.expires <= now()) {
        // Podio's clients refresh on `error: invalid_token` or `error_description: expired_token` (podio-js
        // transport.js, podio-php Podio.php); an expired token's answer is the one seen from Podio.
        const reason = entry && !entry.grant.revoked ? 'expired_token' : 'invalid_token';
        res.setHeader('WWW-Authenticate', `Bearer realm="podio", error="${reason}"`);
        json(res, podioError(401, reason === 'expired_token' ? 'unauthorized' : 'invalid_token', reason, req));
        return undefined;
      }
      return withinRateLimit(apiCalls, token, limit(), now(), req, res) ? entry.grant : undefined;
    },
  };
}

/** Counts the call and sets the rate-limit headers; false after answering 420 when the hour's allowance is spent. */
function withinRateLimit(
  apiCalls: CallCounts,
  token: string,
  limit: number,
  now: number,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  let usage = apiCalls.get(token);
  if (!usage || now - usage.windowStart >= RATE_WINDOW_MS) {
    usage = { windowStart: now, calls: 0 };
    apiCalls.set(token, usage);
  }
  usage.calls++;
  res.setHeader('X-Rate-Limit-Limit', String(limit));
  res.setHeader('X-Rate-Limit-Remaining', String(Math.max(0, limit - usage.calls)));
  if (usage.calls > limit) {
    const wait = Math.ceil((usage.windowStart + RATE_WINDOW_MS - now) / 1000);
    json(res, rateLimitAnswer(wait, req));
    return false;
  }
  return true;
}

/** The token of an API call: `Authorization: OAuth2 …`, else `?oauth_token=` (podio-js builds such URLs). */
export function accessTokenOf(req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  if (header.startsWith('OAuth2 ')) return header.slice('OAuth2 '.length);
  return new URL(req.url ?? '/', 'http://emulator').searchParams.getAll('oauth_token').at(-1) ?? '';
}
