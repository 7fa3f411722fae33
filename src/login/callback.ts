import { timingSafeEqual } from 'node:crypto';
import { type Page, pages } from './pages.js';

/**
 * Decides what a request to the callback server is, before anything else happens. Podio matches only the
 * redirect host and may not echo `state`, so the callback path carries its own unguessable nonce: a request
 * without it is not Podio's redirect, whatever its query says. `state` is checked whenever it comes back.
 */

export interface CallbackExpectation {
  /** `/callback/<nonce>` */
  path: string;
  state: string;
  /** Acceptable `Host` header values (lowercase, with port): guards against DNS rebinding. */
  hosts: ReadonlySet<string>;
}

export interface CallbackRequest {
  method: string | undefined;
  url: string | undefined;
  host: string | undefined;
}

export type CallbackVerdict =
  | { kind: 'reject'; page: Page; reason: string }
  | { kind: 'code'; code: string }
  | { kind: 'error'; error: string; description: string | undefined };

/** Parameters that must come at most once: Podio keeps the last of repeats, so a repeat is not from Podio. */
const SINGLE_PARAMS = ['code', 'state', 'error', 'error_description', 'error_reason'] as const;
const MAX_CODE_LENGTH = 2048;

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function judgeCallback(request: CallbackRequest, expected: CallbackExpectation): CallbackVerdict {
  const reject = (page: Page, reason: string): CallbackVerdict => ({ kind: 'reject', page, reason });
  const target = request.url ?? '/';
  const queryStart = target.indexOf('?');
  const path = queryStart === -1 ? target : target.slice(0, queryStart);
  const query = queryStart === -1 ? '' : target.slice(queryStart + 1);

  if (!sameSecret(path, expected.path)) return reject(pages.notFound(), "it is not this login's redirect address");
  if (request.method !== 'GET') return reject(pages.methodNotAllowed(), 'not a GET request');
  if (!request.host || !expected.hosts.has(request.host.toLowerCase()))
    return reject(pages.rejected('unexpected Host header'), 'unexpected host');

  const params = new URLSearchParams(query);
  for (const name of SINGLE_PARAMS) {
    if (params.getAll(name).length > 1)
      return reject(pages.rejected(`repeated "${name}" parameter`), `repeated "${name}" parameter`);
  }
  const state = params.get('state');
  if (state !== null && !sameSecret(state, expected.state)) return reject(pages.rejected('wrong state'), 'wrong state');

  const error = params.get('error');
  if (error !== null) {
    const description = params.get('error_description') ?? params.get('error_reason') ?? undefined;
    return { kind: 'error', error: error || 'unknown_error', description };
  }
  const code = params.get('code');
  if (!code) return reject(pages.rejected('no authorization code'), 'no authorization code');
  if (code.length > MAX_CODE_LENGTH || !/^[\x21-\x7e]+$/.test(code))
    return reject(pages.rejected('malformed code'), 'malformed code');
  return { kind: 'code', code };
}

/** The Host values a browser sends for the redirect URI; loopback literals are safe to accept as well. */
export function acceptedHosts(redirectHost: string, port: number): Set<string> {
  const hosts = new Set([`${redirectHost.toLowerCase()}:${port}`, `127.0.0.1:${port}`]);
  if (redirectHost === 'localhost' || redirectHost === '[::1]') hosts.add(`[::1]:${port}`);
  return hosts;
}
