import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { escapeHtml } from '../login/pages.js';
import { createItemRoutes } from './items.js';
import { formatScope, GLOBAL_ALL, type GrantedScope, parseRequestedScope, scopeList } from './scopes.js';

/**
 * A local Podio for trying podio-auth without an account, for podio-auth's own tests, and for users' tests of their
 * own Podio code (Podio's Node client podio-js 1.6.1 runs against it unchanged).
 *
 * What it serves, shaped as Podio's answers are:
 * - `GET /oauth/authorize` (the Grant / Deny page) and its form's `POST`: repeated parameters keep the last value;
 *   the `redirect_uri` must be on the demo API key's domain (`domain`, default `localhost`; only the host counts,
 *   port and path are free), else an error page and no code; `response_type=code` (the default) redirects with
 *   `?code=…`, `response_type=token` (the client-side flow) with
 *   `#access_token=…&token_type=bearer&expires_in=…&refresh_token=…&scope=…`; the `scope` asked for is granted.
 * - `POST /oauth/token/v2` (JSON) and `POST /oauth/token` (form, or JSON when sent as JSON) with all four grants;
 *   fields may also come in the query string, as podio-rb sends them; JSON numbers are taken as their text; a body
 *   that is not a JSON object gets Podio's 400. Codes are single-use and expire; refresh tokens rotate (switchable)
 *   and expire after 28 days.
 * - API calls, authenticated by `Authorization: OAuth2 TOKEN` or `?oauth_token=TOKEN`: `GET /user/status`,
 *   `GET /oauth/scope` (Podio's list of `{ ref_type, ref_id, permissions, ref_data }`) and
 *   `POST /oauth/grant/invalidate` (podio-rb's: ends the grant's access and refresh tokens). Each answer carries
 *   `X-Rate-Limit-Limit` and `X-Rate-Limit-Remaining`, counted per access token per hour (`rateLimit`, default
 *   1000); past the limit, HTTP 420. A token that is unknown or revoked gets 401 `invalid_token`, an expired one
 *   401 `expired_token`, both with `WWW-Authenticate`.
 * - Faults to switch on (rate limits, server errors, broken answers, hangs, resets), and a whole-emulator
 *   `rateLimited` switch that answers every token and API request with 420.
 *
 * The emulated clock: codes, access tokens, refresh tokens and rate-limit hours all run on it. It starts
 * `clockOffsetMs` ahead of the real clock (`--clock-offset <s>`), and `POST /__emulator/clock` moves it:
 * `{ "advance_seconds": 28800 }` jumps ahead by that much, `{ "offset_seconds": 0 }` sets the offset; both answer
 * `{ "offset_seconds": …, "now": "<ISO time>" }` (as does `GET /__emulator/clock`). Tests in the same process
 * call `advanceClock()` instead.
 *
 * Where Podio's behaviour is unconfirmed, it picks one answer and says so; the options switch to the other.
 */

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

export interface EmulatorOptions {
  clientId?: string;
  clientSecret?: string;
  /** What the authorize endpoint does: show the Grant/Deny page, or answer at once as if a button was clicked. */
  decision?: 'ask' | 'grant' | 'deny';
  /** Whether the redirect carries `state` back. */
  echoState?: boolean;
  /** Whether a refresh returns a new refresh token and kills the old one. */
  rotateRefreshTokens?: boolean;
  /**
   * Lifetime of access tokens, in seconds (Podio: 8 hours). 0 makes the first access token of each grant born
   * expired, so a client's refresh-and-retry path runs at once; tokens from a refresh then live 8 hours, as Podio
   * never issues an expired token.
   */
  expiresIn?: number;
  /** Lifetime of authorization codes, in seconds. */
  codeTtlSeconds?: number;
  /** Delay before answering a grant: keeps concurrent callers overlapping, or a login in flight. */
  tokenDelayMs?: number;
  /** Which token endpoints exist. */
  endpoints?: { json?: boolean; form?: boolean };
  /** Answer every token and API request with 420, as Podio does past its rate limit. */
  rateLimited?: boolean;
  /** The `error_description` of a denial. */
  denyDescription?: string;
  /** The domain registered for the demo API key: every `redirect_uri` must be on this host. */
  domain?: string;
  /** API calls allowed per access token per hour of emulated time (Podio: 1000 per user and key). */
  rateLimit?: number;
  /** How far ahead of the real clock the emulated clock starts, in milliseconds. */
  clockOffsetMs?: number;
  /** Where to listen; `localhost` listens on 127.0.0.1 (and ::1 when it can) and names itself `localhost`. */
  host?: string;
  port?: number;
}

export interface TokenRequestRecord {
  endpoint: 'json' | 'form';
  grantType: string;
  fields: Record<string, string>;
}

export const DEMO_CLIENT = { clientId: 'demo-client', clientSecret: 'demo-secret-0123456789' };
export const USER = {
  user_id: 4242,
  mail: 'ada@example.com',
  name: 'Ada Lovelace',
  password: 'correct horse battery',
};
/** A user whose account has two-factor authentication: the password grant answers with a nonce. */
export const TWO_FACTOR_USER = { mail: 'grace@example.com', password: 'hopper' };
export const APP = { app_id: '777', app_token: 'app-token-0123456789abcdef' };

/** Podio's lifetimes (developers.podio.com/authentication). */
export const ACCESS_TOKEN_SECONDS = 8 * 3600;
export const REFRESH_TOKEN_SECONDS = 28 * 24 * 3600;
const RATE_WINDOW_MS = 3600 * 1000;
/** Query parameters whose values an error body does not echo. */
const SECRET_PARAMETERS = new Set(['client_secret', 'password', 'app_token', 'refresh_token', 'code', 'oauth_token']);

const USER_REF = { type: 'user', id: USER.user_id };

/** Paths a fault can be set on: Podio's, or any other a subclass serves. */
export type FaultPath = '/oauth/token/v2' | '/oauth/token' | '/user/status' | '/oauth/scope' | (string & {});

export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

interface AuthorizationCode {
  redirectUri: string;
  scopes: GrantedScope[];
  used: boolean;
  expires: number;
}

interface PodioAnswer {
  status: number;
  body: unknown;
}

interface Ref {
  type: string;
  id: number;
}

/** One authorization: what its tokens may do, and whether it was ended. */
interface Grant {
  ref: Ref;
  scopes: GrantedScope[];
  revoked: boolean;
}

function podioError(status: number, error: string, description: string, request: IncomingMessage): PodioAnswer {
  const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
  const query = new URLSearchParams(url.search);
  for (const name of new Set(query.keys())) if (SECRET_PARAMETERS.has(name)) query.set(name, '[redacted]');
  return {
    status,
    body: {
      error,
      error_description: description,
      error_detail: null,
      error_parameters: {},
      error_propagate: false,
      request: { url: `${url.origin}${url.pathname}`, query_string: query.toString(), method: request.method },
    },
  };
}

export class PodioEmulator {
  readonly options: Required<Omit<EmulatorOptions, 'endpoints' | 'host' | 'port'>> & {
    endpoints: { json: boolean; form: boolean };
  };
  url = '';
  readonly tokenRequests: TokenRequestRecord[] = [];
  readonly authorizeRequests: URLSearchParams[] = [];
  readonly userStatusCalls: string[] = [];
  /** Requests answered with a fault instead of being processed. */
  readonly faulted: { path: string; fault: Fault }[] = [];
  /** Requests that followed a 'redirect' fault. */
  redirectedHits = 0;
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly refreshTokens = new Map<string, { grant: Grant; alive: boolean; expires: number }>();
  private readonly accessTokens = new Map<string, { grant: Grant; expires: number }>();
  private readonly apiCalls = new Map<string, { windowStart: number; calls: number }>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly sockets = new Set<Socket>();
  private readonly listenOn: { host: string; port: number };
  private readonly servers: Server[] = [];
  private clockOffset: number;

  constructor(options: EmulatorOptions = {}) {
    this.options = {
      clientId: options.clientId ?? DEMO_CLIENT.clientId,
      clientSecret: options.clientSecret ?? DEMO_CLIENT.clientSecret,
      decision: options.decision ?? 'ask',
      echoState: options.echoState ?? true,
      rotateRefreshTokens: options.rotateRefreshTokens ?? true,
      expiresIn: options.expiresIn ?? ACCESS_TOKEN_SECONDS,
      codeTtlSeconds: options.codeTtlSeconds ?? 600,
      tokenDelayMs: options.tokenDelayMs ?? 0,
      rateLimited: options.rateLimited ?? false,
      denyDescription: options.denyDescription ?? 'The user denied your request.',
      endpoints: { json: options.endpoints?.json ?? true, form: options.endpoints?.form ?? true },
      domain: normalizeHost(options.domain ?? 'localhost'),
      rateLimit: options.rateLimit ?? 1000,
      clockOffsetMs: options.clockOffsetMs ?? 0,
    };
    this.clockOffset = this.options.clockOffsetMs;
    this.listenOn = { host: options.host ?? '127.0.0.1', port: options.port ?? 0 };
  }

  async start(): Promise<this> {
    const { host } = this.listenOn;
    const primary = await this.listen(host === 'localhost' ? '127.0.0.1' : host, this.listenOn.port);
    const { port } = primary.address() as AddressInfo;
    // Clients may resolve localhost to ::1 first; a machine without IPv6 simply has no second listener.
    if (host === 'localhost') await this.listen('::1', port).catch(() => undefined);
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(
      this.servers.map(
        (server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
      ),
    );
  }

  /** The emulated time, in milliseconds since the epoch. */
  now(): number {
    return Date.now() + this.clockOffset;
  }

  /** Moves the emulated clock ahead (or back, if negative) by `seconds`. */
  advanceClock(seconds: number): void {
    this.clockOffset += seconds * 1000;
  }

  /** Sets the emulated clock to the real one plus `seconds`. */
  setClockOffset(seconds: number): void {
    this.clockOffset = seconds * 1000;
  }

  /** The next `times` requests to `path` fail this way. */
  fault(path: FaultPath, fault: Fault, times = 1): void {
    this.faults.set(path, [...(this.faults.get(path) ?? []), ...Array<Fault>(times).fill(fault)]);
  }

  /**
   * Issues tokens as a first grant would (a login), for tests that start from a stored login. `scope` is a scope
   * parameter as the authorize page takes it (default `global:all`).
   */
  issueTokens(ref: Ref = USER_REF, scope?: string): IssuedTokens {
    const grant = this.newGrant(ref, parseRequestedScope(scope) ?? GLOBAL_ALL);
    const lifetime = this.options.expiresIn;
    const accessToken = this.newAccessToken(grant, lifetime);
    return { access_token: accessToken, refresh_token: this.newRefreshToken(grant), expires_in: lifetime };
  }

  isValidAccessToken(token: string): boolean {
    const entry = this.accessTokens.get(token);
    return entry !== undefined && !entry.grant.revoked && entry.expires > this.now();
  }

  isLiveRefreshToken(token: string): boolean {
    const entry = this.refreshTokens.get(token);
    return Boolean(entry?.alive) && entry?.grant.revoked === false && (entry?.expires ?? 0) > this.now();
  }

  /** Ends the grant an access or refresh token belongs to: its tokens are refused from then on. */
  revokeGrant(token: string): boolean {
    const grant = (this.accessTokens.get(token) ?? this.refreshTokens.get(token))?.grant;
    if (grant) grant.revoked = true;
    return grant !== undefined;
  }

  grants(type: string): TokenRequestRecord[] {
    return this.tokenRequests.filter((request) => request.grantType === type);
  }

  /** A hook for subclasses (tests) to serve extra routes; returns true when it answered. */
  protected extraRoute(_url: URL, _req: IncomingMessage, _body: string, _res: ServerResponse): boolean {
    return false;
  }

  /**
   * Checks an API call's access token (`Authorization: OAuth2 …` or `?oauth_token=`) and counts it against the
   * token's hourly limit, setting the rate-limit headers. Returns the token's grant, or undefined after answering
   * 401 or 420. For subclasses that serve more of Podio's API.
   */
  protected authenticate(req: IncomingMessage, res: ServerResponse): { ref: Ref; scopes: GrantedScope[] } | undefined {
    const token = this.accessTokenOf(req);
    const entry = this.accessTokens.get(token);
    if (!entry || entry.grant.revoked || entry.expires <= this.now()) {
      // Podio's clients refresh on `error: invalid_token` or `error_description: expired_token` (podio-js
      // transport.js, podio-php Podio.php); an expired token's answer is the one seen from Podio.
      const reason = entry && !entry.grant.revoked ? 'expired_token' : 'invalid_token';
      res.setHeader('WWW-Authenticate', `Bearer realm="podio", error="${reason}"`);
      json(res, podioError(401, reason === 'expired_token' ? 'unauthorized' : 'invalid_token', reason, req));
      return undefined;
    }
    const now = this.now();
    let usage = this.apiCalls.get(token);
    if (!usage || now - usage.windowStart >= RATE_WINDOW_MS) {
      usage = { windowStart: now, calls: 0 };
      this.apiCalls.set(token, usage);
    }
    usage.calls++;
    const limit = this.options.rateLimit;
    res.setHeader('X-Rate-Limit-Limit', String(limit));
    res.setHeader('X-Rate-Limit-Remaining', String(Math.max(0, limit - usage.calls)));
    if (usage.calls > limit) {
      const wait = Math.ceil((usage.windowStart + RATE_WINDOW_MS - now) / 1000);
      json(res, rateLimitAnswer(wait, req));
      return undefined;
    }
    return entry.grant;
  }

  /** The token of an API call: `Authorization: OAuth2 …`, else `?oauth_token=` (podio-js builds such URLs). */
  private accessTokenOf(req: IncomingMessage): string {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('OAuth2 ')) return header.slice('OAuth2 '.length);
    return new URL(req.url ?? '/', this.url).searchParams.getAll('oauth_token').at(-1) ?? '';
  }

  private listen(host: string, port: number): Promise<Server> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        this.servers.push(server);
        resolve(server);
      });
    });
  }

  private newGrant(ref: Ref, scopes: GrantedScope[]): Grant {
    return { ref, scopes, revoked: false };
  }

  private newAccessToken(grant: Grant, lifetimeSeconds: number): string {
    const access = randomBytes(64).toString('hex');
    this.accessTokens.set(access, { grant, expires: this.now() + lifetimeSeconds * 1000 });
    return access;
  }

  private newRefreshToken(grant: Grant): string {
    const token = randomBytes(32).toString('hex');
    this.refreshTokens.set(token, { grant, alive: true, expires: this.now() + REFRESH_TOKEN_SECONDS * 1000 });
    return token;
  }

  /** Items and apps with Podio's shapes (`GET /item/{id}`, create, filter, `GET /app/space/{id}/`), for `api`. */
  readonly items = createItemRoutes();

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await readBody(req);
    if (this.extraRoute(url, req, body, res)) return;
    if (url.pathname === '/__redirected') {
      this.redirectedHits++;
      json(res, { status: 200, body: { access_token: 'from-a-redirect', expires_in: 3600 } });
      return;
    }
    if (url.pathname === '/__emulator/clock') return this.clockControl(req, body, res);
    const fault = this.faults.get(url.pathname)?.shift();
    if (fault) {
      this.faulted.push({ path: url.pathname, fault });
      this.applyFault(fault, req, res);
      return;
    }
    if (url.pathname === '/oauth/authorize' && req.method === 'GET') return this.authorizePage(url, res);
    if (url.pathname === '/oauth/authorize' && req.method === 'POST') {
      return this.authorizeDecision(new URLSearchParams(body), res);
    }
    if (url.pathname === '/' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Podio emulator (podio-auth)\n');
      return;
    }
    if (this.options.rateLimited) {
      this.applyFault('rate-limit', req, res);
      return;
    }
    if (url.pathname === '/oauth/token/v2' && req.method === 'POST' && this.options.endpoints.json) {
      return this.token('json', url, req, body, res);
    }
    if (url.pathname === '/oauth/token' && req.method === 'POST' && this.options.endpoints.form) {
      return this.token('form', url, req, body, res);
    }
    if (url.pathname === '/user/status' && req.method === 'GET') return this.userStatus(req, res);
    if (url.pathname === '/oauth/scope' && req.method === 'GET') return this.scope(req, res);
    if (url.pathname === '/oauth/grant/invalidate' && req.method === 'POST') return this.invalidateGrant(req, res);
    if (this.items.route(url, req, body, res, (request, response) => this.authenticate(request, response)?.ref)) return;
    json(res, podioError(404, 'not_found', 'No such endpoint', req));
  }

  private applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse): void {
    switch (fault) {
      case 'rate-limit':
        res.setHeader('X-Rate-Limit-Limit', String(this.options.rateLimit));
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
        res.writeHead(307, { location: `${this.url}/__redirected` }).end();
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

  /** `GET` reports the emulated clock; `POST { advance_seconds }` or `{ offset_seconds }` moves it. */
  private clockControl(req: IncomingMessage, body: string, res: ServerResponse): void {
    if (req.method === 'POST') {
      const fields = parseJsonObject(body);
      const advance = fields?.['advance_seconds'];
      const offset = fields?.['offset_seconds'];
      const valid = (value: unknown) => value === undefined || (typeof value === 'number' && Number.isFinite(value));
      if (!fields || (advance === undefined && offset === undefined) || !valid(advance) || !valid(offset)) {
        json(res, podioError(400, 'invalid_request', 'Send {"advance_seconds": n} or {"offset_seconds": n}', req));
        return;
      }
      if (typeof offset === 'number') this.setClockOffset(offset);
      if (typeof advance === 'number') this.advanceClock(advance);
    } else if (req.method !== 'GET') {
      json(res, podioError(405, 'method_not_allowed', 'Use GET or POST', req));
      return;
    }
    const clock = { offset_seconds: this.clockOffset / 1000, now: new Date(this.now()).toISOString() };
    json(res, { status: 200, body: clock });
  }

  /** Why an authorize request cannot go ahead (Podio shows an error and redirects nowhere), or undefined. */
  private authorizeProblem(params: Record<string, string>): string | undefined {
    if (params['client_id'] !== this.options.clientId) return 'invalid_client: unknown client_id';
    let redirect: URL;
    try {
      redirect = new URL(params['redirect_uri'] ?? '');
    } catch {
      return 'invalid_request: redirect_uri is missing or not a URL';
    }
    if (!['http:', 'https:'].includes(redirect.protocol)) return 'invalid_request: redirect_uri is not http(s)';
    if (normalizeHost(redirect.hostname) !== this.options.domain) {
      return `invalid_request: the redirect_uri must be on the API key's domain (${this.options.domain})`;
    }
    const responseType = params['response_type'] ?? 'code';
    if (responseType !== 'code' && responseType !== 'token') return 'unsupported_response_type: use code or token';
    if (!parseRequestedScope(params['scope'])) return 'invalid_scope: the scope is not Podio\'s (e.g. "global:all")';
    return undefined;
  }

  private refuseAuthorize(problem: string, res: ServerResponse): void {
    res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error · Podio emulator</title></head>
<body><h1>Invalid authorization request</h1><p>${escapeHtml(problem)}</p></body></html>
`);
  }

  private authorizePage(url: URL, res: ServerResponse): void {
    this.authorizeRequests.push(url.searchParams);
    // Podio keeps the last of repeated parameters.
    const params = Object.fromEntries(url.searchParams);
    const problem = this.authorizeProblem(params);
    if (problem) {
      this.refuseAuthorize(problem, res);
      return;
    }
    if (this.options.decision !== 'ask') {
      this.redirectWithDecision(params, this.options.decision, res);
      return;
    }
    const hidden = ['client_id', 'redirect_uri', 'response_type', 'state', 'scope']
      .filter((name) => params[name] !== undefined)
      .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params[name] ?? '')}">`)
      .join('');
    const scope = params['scope'] ?? 'global:all';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize podio-auth · Podio emulator</title>
<style>body{font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;min-height:100vh;
align-items:center;justify-content:center}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:2rem 2.5rem;max-width:30rem}
button{font:inherit;padding:.6rem 1.4rem;border-radius:6px;border:1px solid #ccc;margin-right:.5rem;cursor:pointer}
button[value=grant]{background:#3e9ad1;color:#fff;border-color:#3e9ad1}</style></head>
<body><main><h1>Podio emulator</h1>
<p>The application <strong>${escapeHtml(params['client_id'] ?? '')}</strong> asks for access to your account
(<code>${escapeHtml(scope)}</code>), as ${escapeHtml(USER.name)}.</p>
<form method="post" action="/oauth/authorize">${hidden}
<button type="submit" name="decision" value="grant">Grant access</button>
<button type="submit" name="decision" value="deny">Deny</button></form>
</main></body></html>
`);
  }

  private authorizeDecision(form: URLSearchParams, res: ServerResponse): void {
    const params = Object.fromEntries(form);
    const problem = this.authorizeProblem(params);
    if (problem) {
      this.refuseAuthorize(problem, res);
      return;
    }
    this.redirectWithDecision(params, params['decision'] === 'grant' ? 'grant' : 'deny', res);
  }

  private redirectWithDecision(params: Record<string, string>, decision: 'grant' | 'deny', res: ServerResponse): void {
    const redirectUri = params['redirect_uri'] as string;
    const state = params['state'];
    const scopes = parseRequestedScope(params['scope']) ?? GLOBAL_ALL;
    const target = new URL(redirectUri);
    if (decision === 'grant' && params['response_type'] === 'token') {
      // The client-side flow: the tokens travel in the fragment, which never reaches a server.
      const answer = this.tokenAnswer(this.newGrant(USER_REF, scopes), this.options.expiresIn);
      const fragment = new URLSearchParams({
        access_token: answer.access_token,
        token_type: 'bearer',
        expires_in: String(answer.expires_in),
        refresh_token: answer.refresh_token,
        scope: answer.scope,
      });
      if (this.options.echoState && state !== undefined) fragment.set('state', state);
      target.hash = fragment.toString();
    } else {
      if (decision === 'grant') {
        const code = randomBytes(20).toString('hex');
        const expires = this.now() + this.options.codeTtlSeconds * 1000;
        this.codes.set(code, { redirectUri, scopes, used: false, expires });
        target.searchParams.set('code', code);
      } else {
        target.searchParams.set('error_reason', 'user_denied');
        target.searchParams.set('error', 'access_denied');
        target.searchParams.set('error_description', this.options.denyDescription);
      }
      if (this.options.echoState && state !== undefined) target.searchParams.set('state', state);
    }
    res.writeHead(302, { location: target.toString() }).end();
  }

  private async token(
    endpoint: 'json' | 'form',
    url: URL,
    req: IncomingMessage,
    body: string,
    res: ServerResponse,
  ): Promise<void> {
    const sentAsJson = endpoint === 'json' || /\bjson\b/i.test(req.headers['content-type'] ?? '');
    let bodyFields: Record<string, string>;
    if (body.trim() === '') {
      bodyFields = {};
    } else if (sentAsJson) {
      const parsed = parseJsonObject(body);
      if (!parsed) {
        json(res, podioError(400, 'invalid_request', 'The body must be a JSON object', req));
        return;
      }
      bodyFields = textFields(parsed);
    } else {
      bodyFields = Object.fromEntries(new URLSearchParams(body));
    }
    // podio-rb sends the grant's fields in the query string; what the body says wins.
    const fields = { ...Object.fromEntries(url.searchParams), ...bodyFields };
    const grantType = String(fields['grant_type']);
    this.tokenRequests.push({ endpoint, grantType, fields });
    if (this.options.tokenDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.tokenDelayMs));
    if (fields['client_id'] !== this.options.clientId || fields['client_secret'] !== this.options.clientSecret) {
      json(res, podioError(401, 'invalid_client', 'Invalid client_id or client_secret', req));
      return;
    }
    json(res, this.grant(grantType, fields, req));
  }

  private grant(grantType: string, fields: Record<string, string>, req: IncomingMessage): PodioAnswer {
    switch (grantType) {
      case 'authorization_code': {
        const code = this.codes.get(String(fields['code']));
        if (!code || code.used || code.expires <= this.now() || code.redirectUri !== fields['redirect_uri']) {
          return podioError(400, 'invalid_grant', 'Invalid, used or expired authorization code', req);
        }
        code.used = true;
        return { status: 200, body: this.tokenAnswer(this.newGrant(USER_REF, code.scopes), this.options.expiresIn) };
      }
      case 'refresh_token': {
        const refresh = this.refreshTokens.get(String(fields['refresh_token']));
        if (!refresh?.alive || refresh.grant.revoked) {
          return podioError(400, 'invalid_grant', 'Invalid refresh_token', req);
        }
        if (refresh.expires <= this.now()) return podioError(400, 'invalid_grant', 'Expired refresh_token', req);
        // Unconfirmed whether Podio rotates; without rotation the token keeps its first 28 days.
        let refreshToken: string | undefined;
        if (this.options.rotateRefreshTokens) refresh.alive = false;
        else refreshToken = String(fields['refresh_token']);
        const lifetime = this.options.expiresIn === 0 ? ACCESS_TOKEN_SECONDS : this.options.expiresIn;
        return { status: 200, body: this.tokenAnswer(refresh.grant, lifetime, refreshToken) };
      }
      case 'app': {
        if (fields['app_id'] !== APP.app_id || fields['app_token'] !== APP.app_token) {
          return podioError(400, 'invalid_grant', 'Invalid app_id or app_token', req);
        }
        // An app's token reaches that app only.
        const app = { type: 'app', id: Number(APP.app_id) };
        const scopes: GrantedScope[] = [{ refType: 'app', refId: app.id, permissions: ['all'] }];
        return { status: 200, body: this.tokenAnswer(this.newGrant(app, scopes), this.options.expiresIn) };
      }
      case 'password':
        if (fields['username'] === TWO_FACTOR_USER.mail && fields['password'] === TWO_FACTOR_USER.password) {
          return { status: 200, body: { server_nonce: randomBytes(8).toString('hex') } };
        }
        if (fields['username'] !== USER.mail || fields['password'] !== USER.password) {
          return podioError(400, 'invalid_grant', 'Invalid user credentials', req);
        }
        return { status: 200, body: this.tokenAnswer(this.newGrant(USER_REF, GLOBAL_ALL), this.options.expiresIn) };
      default:
        return podioError(400, 'unsupported_grant_type', `Unsupported grant_type ${grantType}`, req);
    }
  }

  /** A token answer for `grant`: a new access token and, unless one is kept, a new refresh token. */
  private tokenAnswer(grant: Grant, lifetimeSeconds: number, keptRefreshToken?: string) {
    return {
      access_token: this.newAccessToken(grant, lifetimeSeconds),
      token_type: 'bearer',
      expires_in: lifetimeSeconds,
      refresh_token: keptRefreshToken ?? this.newRefreshToken(grant),
      scope: formatScope(grant.scopes),
      ref: grant.ref,
    };
  }

  private userStatus(req: IncomingMessage, res: ServerResponse): void {
    this.userStatusCalls.push(req.headers.authorization ?? '');
    const grant = this.authenticate(req, res);
    if (!grant) return;
    if (grant.ref.type !== 'user') {
      json(res, podioError(403, 'forbidden', 'Only users have a status; this token belongs to an app', req));
      return;
    }
    json(res, {
      status: 200,
      body: { user: { user_id: USER.user_id, mail: USER.mail }, profile: { name: USER.name, user_id: USER.user_id } },
    });
  }

  private scope(req: IncomingMessage, res: ServerResponse): void {
    const grant = this.authenticate(req, res);
    if (!grant) return;
    json(res, { status: 200, body: scopeList(grant.scopes) });
  }

  /** podio-rb's `POST /oauth/grant/invalidate`; its effect on Podio is undocumented: here it ends the grant. */
  private invalidateGrant(req: IncomingMessage, res: ServerResponse): void {
    if (!this.authenticate(req, res)) return;
    this.revokeGrant(this.accessTokenOf(req));
    res.writeHead(204).end();
  }
}

function rateLimitAnswer(waitSeconds: number, req: IncomingMessage): PodioAnswer {
  const description = `You have hit the rate limit. Please wait ${waitSeconds} seconds before trying again`;
  return podioError(420, 'rate_limit', description, req);
}

/** A host as the domain check compares it: lower case, without IPv6 brackets. */
function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return value as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A JSON body's fields as a form would carry them: numbers and booleans as their text; null and nesting left out. */
function textFields(body: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (['string', 'number', 'boolean'].includes(typeof value)) fields[name] = String(value);
  }
  return fields;
}

function json(res: ServerResponse, { status, body }: PodioAnswer): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
