import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { escapeHtml } from '../login/pages.js';

/**
 * A local Podio for trying podio-auth without an account, for podio-auth's own tests, and for users' tests:
 * the authorize page (Grant / Deny), the JSON v2 and form token endpoints with all four grants, single-use codes
 * that expire, refresh-token rotation (switchable), `/user/status` and `/oauth/scope` with `OAuth2` tokens,
 * Podio's error bodies, and faults to switch on (rate limits, server errors, broken answers, hangs, resets).
 * Where Podio's behaviour is unconfirmed, it picks one answer; the options switch to the other.
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
  /** Lifetime of access tokens, in seconds (Podio: 8 hours). 0 issues tokens that are already expired. */
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
  host?: string;
  port?: number;
}

export interface TokenRequestRecord {
  endpoint: 'json' | 'form';
  grantType: string;
  fields: Record<string, string>;
}

export const DEMO_CLIENT = { clientId: 'demo-client', clientSecret: 'demo-secret-0123456789' };
export const USER = { user_id: 4242, mail: 'ada@example.com', name: 'Ada <Lovelace>', password: 'correct horse battery' };
/** A user whose account has two-factor authentication: the password grant answers with a nonce. */
export const TWO_FACTOR_USER = { mail: 'grace@example.com', password: 'hopper' };
export const APP = { app_id: '777', app_token: 'app-token-0123456789abcdef' };

interface PodioAnswer {
  status: number;
  body: unknown;
}

function podioError(status: number, error: string, description: string, request: IncomingMessage): PodioAnswer {
  return {
    status,
    body: {
      error,
      error_description: description,
      error_detail: null,
      error_parameters: {},
      error_propagate: false,
      request: { url: `http://${request.headers.host}${request.url}`, query_string: '', method: request.method },
    },
  };
}

export class PodioEmulator {
  readonly options: Required<Omit<EmulatorOptions, 'endpoints' | 'host' | 'port'>> & { endpoints: { json: boolean; form: boolean } };
  url = '';
  readonly tokenRequests: TokenRequestRecord[] = [];
  readonly authorizeRequests: URLSearchParams[] = [];
  readonly userStatusCalls: string[] = [];
  /** Requests answered with a fault instead of being processed. */
  readonly faulted: { path: string; fault: Fault }[] = [];
  /** Requests that followed a 'redirect' fault. */
  redirectedHits = 0;
  private readonly codes = new Map<string, { clientId: string; redirectUri: string; used: boolean; expires: number }>();
  private readonly refreshTokens = new Map<string, { clientId: string; alive: boolean }>();
  private readonly accessTokens = new Map<string, { expires: number; ref: { type: string; id: number } }>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly sockets = new Set<Socket>();
  private readonly listenOn: { host: string; port: number };
  private server: Server | undefined;

  constructor(options: EmulatorOptions = {}) {
    this.options = {
      clientId: options.clientId ?? DEMO_CLIENT.clientId,
      clientSecret: options.clientSecret ?? DEMO_CLIENT.clientSecret,
      decision: options.decision ?? 'ask',
      echoState: options.echoState ?? true,
      rotateRefreshTokens: options.rotateRefreshTokens ?? true,
      expiresIn: options.expiresIn ?? 28_800,
      codeTtlSeconds: options.codeTtlSeconds ?? 600,
      tokenDelayMs: options.tokenDelayMs ?? 0,
      rateLimited: options.rateLimited ?? false,
      denyDescription: options.denyDescription ?? 'The user denied your request.',
      endpoints: { json: options.endpoints?.json ?? true, form: options.endpoints?.form ?? true },
    };
    this.listenOn = { host: options.host ?? '127.0.0.1', port: options.port ?? 0 };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.listenOn.port, this.listenOn.host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    const host = this.listenOn.host.includes(':') ? `[${this.listenOn.host}]` : this.listenOn.host;
    this.url = `http://${host}:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server?.listening ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `times` requests to `path` fail this way. */
  fault(path: '/oauth/token/v2' | '/oauth/token' | '/user/status' | '/oauth/scope', fault: Fault, times = 1): void {
    this.faults.set(path, [...(this.faults.get(path) ?? []), ...Array<Fault>(times).fill(fault)]);
  }

  /** Issues tokens as the token endpoint would, for tests that start from a stored login. */
  issueTokens(ref = { type: 'user', id: USER.user_id }): { access_token: string; refresh_token: string; expires_in: number } {
    const refresh = randomBytes(32).toString('hex');
    this.refreshTokens.set(refresh, { clientId: this.options.clientId, alive: true });
    return { access_token: this.issueAccessToken(ref), refresh_token: refresh, expires_in: this.options.expiresIn };
  }

  isValidAccessToken(token: string): boolean {
    const entry = this.accessTokens.get(token);
    return entry !== undefined && entry.expires > Date.now();
  }

  isLiveRefreshToken(token: string): boolean {
    return this.refreshTokens.get(token)?.alive === true;
  }

  grants(type: string): TokenRequestRecord[] {
    return this.tokenRequests.filter((request) => request.grantType === type);
  }

  /** A hook for subclasses (tests) to serve extra routes; returns true when it answered. */
  protected extraRoute(_url: URL, _req: IncomingMessage, _body: string, _res: ServerResponse): boolean {
    return false;
  }

  private issueAccessToken(ref: { type: string; id: number }): string {
    const access = randomBytes(64).toString('hex');
    this.accessTokens.set(access, { expires: Date.now() + this.options.expiresIn * 1000, ref });
    return access;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await readBody(req);
    if (this.extraRoute(url, req, body, res)) return;
    if (url.pathname === '/__redirected') {
      this.redirectedHits++;
      json(res, { status: 200, body: { access_token: 'from-a-redirect', expires_in: 3600 } });
      return;
    }
    const fault = this.faults.get(url.pathname)?.shift();
    if (fault) {
      this.faulted.push({ path: url.pathname, fault });
      this.applyFault(fault, req, res);
      return;
    }
    if (url.pathname === '/oauth/authorize' && req.method === 'GET') return this.authorizePage(url, res);
    if (url.pathname === '/oauth/authorize' && req.method === 'POST') return this.authorizeDecision(new URLSearchParams(body), res);
    if (url.pathname === '/' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Podio emulator (podio-auth)\n');
      return;
    }
    if (this.options.rateLimited) {
      this.applyFault('rate-limit', req, res);
      return;
    }
    if (url.pathname === '/oauth/token/v2' && req.method === 'POST' && this.options.endpoints.json) {
      return this.token('json', req, body, res);
    }
    if (url.pathname === '/oauth/token' && req.method === 'POST' && this.options.endpoints.form) {
      return this.token('form', req, body, res);
    }
    if (url.pathname === '/user/status' && req.method === 'GET') return this.userStatus(req, res);
    if (url.pathname === '/oauth/scope' && req.method === 'GET') return this.scope(req, res);
    json(res, podioError(404, 'not_found', 'No such endpoint', req));
  }

  private applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse): void {
    switch (fault) {
      case 'rate-limit':
        res.setHeader('X-Rate-Limit-Limit', '1000');
        res.setHeader('X-Rate-Limit-Remaining', '0');
        json(res, podioError(420, 'rate_limit', 'You have hit the rate limit. Please wait 3600 seconds before trying again', req));
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

  private authorizePage(url: URL, res: ServerResponse): void {
    this.authorizeRequests.push(url.searchParams);
    const clientId = url.searchParams.get('client_id');
    const redirectUri = url.searchParams.get('redirect_uri');
    if (clientId !== this.options.clientId || !redirectUri || !/^https?:\/\//.test(redirectUri)) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Invalid client_id or redirect_uri</h1>');
      return;
    }
    if (this.options.decision !== 'ask') {
      this.redirectWithDecision(url.searchParams, this.options.decision, res);
      return;
    }
    const hidden = ['client_id', 'redirect_uri', 'state', 'scope']
      .filter((name) => url.searchParams.has(name))
      .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(url.searchParams.get(name) ?? '')}">`)
      .join('');
    const scope = url.searchParams.get('scope') ?? 'global:all';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize podio-auth · Podio emulator</title>
<style>body{font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:2rem 2.5rem;max-width:30rem}
button{font:inherit;padding:.6rem 1.4rem;border-radius:6px;border:1px solid #ccc;margin-right:.5rem;cursor:pointer}
button[value=grant]{background:#3e9ad1;color:#fff;border-color:#3e9ad1}</style></head>
<body><main><h1>Podio emulator</h1>
<p>The application <strong>${escapeHtml(clientId)}</strong> asks for access to your account (<code>${escapeHtml(scope)}</code>), as ${escapeHtml(USER.name)}.</p>
<form method="post" action="/oauth/authorize">${hidden}
<button type="submit" name="decision" value="grant">Grant access</button>
<button type="submit" name="decision" value="deny">Deny</button></form>
</main></body></html>
`);
  }

  private authorizeDecision(form: URLSearchParams, res: ServerResponse): void {
    if (form.get('client_id') !== this.options.clientId || !form.get('redirect_uri')) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Invalid client_id or redirect_uri</h1>');
      return;
    }
    this.redirectWithDecision(form, form.get('decision') === 'grant' ? 'grant' : 'deny', res);
  }

  private redirectWithDecision(params: URLSearchParams, decision: 'grant' | 'deny', res: ServerResponse): void {
    const clientId = params.get('client_id') as string;
    const redirectUri = params.get('redirect_uri') as string;
    const state = params.get('state');
    const target = new URL(redirectUri);
    if (decision === 'grant') {
      const code = randomBytes(20).toString('hex');
      this.codes.set(code, { clientId, redirectUri, used: false, expires: Date.now() + this.options.codeTtlSeconds * 1000 });
      target.searchParams.set('code', code);
    } else {
      target.searchParams.set('error_reason', 'user_denied');
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', this.options.denyDescription);
    }
    if (this.options.echoState && state !== null) target.searchParams.set('state', state);
    res.writeHead(302, { location: target.toString() }).end();
  }

  private async token(endpoint: 'json' | 'form', req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    let fields: Record<string, string>;
    try {
      fields = endpoint === 'json' ? (JSON.parse(body) as Record<string, string>) : Object.fromEntries(new URLSearchParams(body));
    } catch {
      json(res, podioError(400, 'invalid_request', 'Body is not valid JSON', req));
      return;
    }
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
        if (!code || code.used || code.expires <= Date.now() || code.redirectUri !== fields['redirect_uri']) {
          return podioError(400, 'invalid_grant', 'Invalid, used or expired authorization code', req);
        }
        code.used = true;
        return this.tokenAnswer(this.newRefreshToken(), { type: 'user', id: USER.user_id });
      }
      case 'refresh_token': {
        const refresh = this.refreshTokens.get(String(fields['refresh_token']));
        if (!refresh?.alive) return podioError(400, 'invalid_grant', 'Invalid refresh_token', req);
        let refreshToken = String(fields['refresh_token']);
        if (this.options.rotateRefreshTokens) {
          refresh.alive = false;
          refreshToken = this.newRefreshToken();
        }
        return this.tokenAnswer(refreshToken, { type: 'user', id: USER.user_id });
      }
      case 'app':
        if (fields['app_id'] !== APP.app_id || fields['app_token'] !== APP.app_token) {
          return podioError(400, 'invalid_grant', 'Invalid app_id or app_token', req);
        }
        return this.tokenAnswer(this.newRefreshToken(), { type: 'app', id: Number(APP.app_id) });
      case 'password':
        if (fields['username'] === TWO_FACTOR_USER.mail && fields['password'] === TWO_FACTOR_USER.password) {
          return { status: 200, body: { server_nonce: randomBytes(8).toString('hex') } };
        }
        if (fields['username'] !== USER.mail || fields['password'] !== USER.password) {
          return podioError(400, 'invalid_grant', 'Invalid user credentials', req);
        }
        return this.tokenAnswer(this.newRefreshToken(), { type: 'user', id: USER.user_id });
      default:
        return podioError(400, 'unsupported_grant_type', `Unsupported grant_type ${grantType}`, req);
    }
  }

  private newRefreshToken(): string {
    const token = randomBytes(32).toString('hex');
    this.refreshTokens.set(token, { clientId: this.options.clientId, alive: true });
    return token;
  }

  private tokenAnswer(refreshToken: string, ref: { type: string; id: number }): PodioAnswer {
    return {
      status: 200,
      body: {
        access_token: this.issueAccessToken(ref),
        token_type: 'bearer',
        expires_in: this.options.expiresIn,
        refresh_token: refreshToken,
        scope: 'global:all',
        ref,
      },
    };
  }

  /** The token behind `Authorization: OAuth2 …`, or an answer explaining why there is none. */
  private authenticate(req: IncomingMessage, res: ServerResponse): { type: string; id: number } | undefined {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('OAuth2 ') ? header.slice('OAuth2 '.length) : '';
    const entry = this.accessTokens.get(token);
    if (!entry || entry.expires <= Date.now()) {
      const reason = entry ? 'expired_token' : 'invalid_token';
      res.setHeader('WWW-Authenticate', `Bearer realm="podio", error="${reason}"`);
      json(res, podioError(401, 'unauthorized', reason, req));
      return undefined;
    }
    return entry.ref;
  }

  private userStatus(req: IncomingMessage, res: ServerResponse): void {
    this.userStatusCalls.push(req.headers.authorization ?? '');
    const ref = this.authenticate(req, res);
    if (!ref) return;
    if (ref.type !== 'user') {
      json(res, podioError(403, 'forbidden', 'Only users have a status; this token belongs to an app', req));
      return;
    }
    json(res, {
      status: 200,
      body: { user: { user_id: USER.user_id, mail: USER.mail }, profile: { name: USER.name, user_id: USER.user_id } },
    });
  }

  private scope(req: IncomingMessage, res: ServerResponse): void {
    if (!this.authenticate(req, res)) return;
    json(res, { status: 200, body: { scope: 'global:all' } });
  }
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
