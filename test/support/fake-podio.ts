import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fake Podio on 127.0.0.1:0 that behaves as FACTS describes: the authorize redirect (granting or denying,
 * echoing `state` or not), the JSON v2 and form token endpoints with single-use codes and rotating refresh
 * tokens, `/user/status` with `OAuth2` tokens, Podio's error bodies, and switchable faults.
 * It also collects what the fake browser saw, so tests can wait for it instead of sleeping.
 */

export type Fault = 'rate-limit' | 'server-error' | 'html' | 'truncated' | 'hang' | 'reset' | 'not-found' | 'redirect';

export interface FakePodioOptions {
  clientId?: string;
  clientSecret?: string;
  /** What the authorize endpoint does. */
  decision?: 'grant' | 'deny';
  /** Whether the redirect carries `state` back. */
  echoState?: boolean;
  /** Whether a refresh returns a new refresh token and kills the old one. */
  rotateRefreshTokens?: boolean;
  expiresIn?: number;
  /** Delay before answering a grant: keeps concurrent callers overlapping, or a login in flight. */
  tokenDelayMs?: number;
  /** Which token endpoints exist. */
  endpoints?: { json?: boolean; form?: boolean };
}

export interface TokenRequest {
  endpoint: 'json' | 'form';
  grantType: string;
  fields: Record<string, string>;
}

export interface BrowserHop {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface BrowserReport {
  opened: string;
  hops: BrowserHop[];
  error?: string;
  /** Whether the browser process could see PODIO_CLIENT_SECRET in its environment. */
  sawClientSecret?: boolean;
}

export const USER = { user_id: 4242, mail: 'ada@example.com', name: 'Ada <Lovelace>', password: 'correct horse battery' };
/** A user whose account has two-factor authentication: the password grant answers with a nonce. */
export const TWO_FACTOR_USER = { mail: 'grace@example.com', password: 'hopper' };
export const APP = { app_id: '777', app_token: 'app-token-0123456789abcdef' };

function podioError(status: number, error: string, description: string, request: IncomingMessage) {
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

export class FakePodio {
  readonly options: Required<Omit<FakePodioOptions, 'endpoints'>> & { endpoints: { json: boolean; form: boolean } };
  url = '';
  readonly tokenRequests: TokenRequest[] = [];
  readonly authorizeRequests: URLSearchParams[] = [];
  readonly userStatusCalls: string[] = [];
  /** Requests answered with a fault instead of being processed. */
  readonly faulted: { path: string; fault: Fault }[] = [];
  /** Requests that followed a 'redirect' fault. */
  redirectedHits = 0;
  private readonly codes = new Map<string, { clientId: string; redirectUri: string; used: boolean }>();
  private readonly refreshTokens = new Map<string, { clientId: string; alive: boolean }>();
  private readonly accessTokens = new Map<string, number>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly reports: BrowserReport[] = [];
  private readonly reportWaiters: ((report: BrowserReport) => void)[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(options: FakePodioOptions = {}) {
    this.options = {
      clientId: options.clientId ?? 'demo-client',
      clientSecret: options.clientSecret ?? 'demo-secret-0123456789',
      decision: options.decision ?? 'grant',
      echoState: options.echoState ?? true,
      rotateRefreshTokens: options.rotateRefreshTokens ?? true,
      expiresIn: options.expiresIn ?? 28_800,
      tokenDelayMs: options.tokenDelayMs ?? 0,
      endpoints: { json: options.endpoints?.json ?? true, form: options.endpoints?.form ?? true },
    };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `times` requests to `path` fail this way. */
  fault(path: '/oauth/token/v2' | '/oauth/token' | '/user/status', fault: Fault, times = 1): void {
    this.faults.set(path, [...(this.faults.get(path) ?? []), ...Array<Fault>(times).fill(fault)]);
  }

  /** Issues tokens as the token endpoint would, for tests that start from a stored login. */
  issueTokens(): { access_token: string; refresh_token: string; expires_in: number } {
    const access = randomBytes(64).toString('hex');
    const refresh = randomBytes(32).toString('hex');
    this.accessTokens.set(access, Date.now() + this.options.expiresIn * 1000);
    this.refreshTokens.set(refresh, { clientId: this.options.clientId, alive: true });
    return { access_token: access, refresh_token: refresh, expires_in: this.options.expiresIn };
  }

  isValidAccessToken(token: string): boolean {
    const expires = this.accessTokens.get(token);
    return expires !== undefined && expires > Date.now();
  }

  isLiveRefreshToken(token: string): boolean {
    return this.refreshTokens.get(token)?.alive === true;
  }

  grants(type: string): TokenRequest[] {
    return this.tokenRequests.filter((request) => request.grantType === type);
  }

  /** Resolves with the next report the fake browser sends (or one that came before and was not taken). */
  nextBrowserReport(): Promise<BrowserReport> {
    const ready = this.reports.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.reportWaiters.push(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await readBody(req);
    if (url.pathname === '/__browser' && req.method === 'POST') {
      const report = JSON.parse(body) as BrowserReport;
      const waiter = this.reportWaiters.shift();
      if (waiter) waiter(report);
      else this.reports.push(report);
      res.writeHead(204).end();
      return;
    }
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
    if (url.pathname === '/oauth/authorize' && req.method === 'GET') return this.authorize(url, res);
    if (url.pathname === '/oauth/token/v2' && req.method === 'POST' && this.options.endpoints.json) {
      return this.token('json', req, body, res);
    }
    if (url.pathname === '/oauth/token' && req.method === 'POST' && this.options.endpoints.form) {
      return this.token('form', req, body, res);
    }
    if (url.pathname === '/user/status' && req.method === 'GET') return this.userStatus(req, res);
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
      case 'reset':
        req.socket.destroy();
        return;
      case 'redirect':
        // A client that followed this would replay the client secret to wherever it points.
        res.writeHead(307, { location: `${this.url}/__redirected` }).end();
        return;
      case 'hang':
        // Never answer; stop() destroys the socket.
        return;
    }
  }

  private authorize(url: URL, res: ServerResponse): void {
    this.authorizeRequests.push(url.searchParams);
    const clientId = url.searchParams.get('client_id');
    const redirectUri = url.searchParams.get('redirect_uri');
    const state = url.searchParams.get('state');
    if (clientId !== this.options.clientId || !redirectUri) {
      res.writeHead(400, { 'content-type': 'text/html' }).end('<h1>Invalid client_id or redirect_uri</h1>');
      return;
    }
    const target = new URL(redirectUri);
    if (this.options.decision === 'grant') {
      const code = randomBytes(20).toString('hex');
      this.codes.set(code, { clientId, redirectUri, used: false });
      target.searchParams.set('code', code);
    } else {
      target.searchParams.set('error_reason', 'user_denied');
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user denied your request. <script>alert(1)</script>');
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
    if (grantType === 'authorization_code') {
      const code = this.codes.get(String(fields['code']));
      if (!code || code.used || code.redirectUri !== fields['redirect_uri']) {
        json(res, podioError(400, 'invalid_grant', 'Invalid or used authorization code', req));
        return;
      }
      code.used = true;
      json(res, { status: 200, body: this.tokenBody(this.issueTokens().refresh_token) });
      return;
    }
    if (grantType === 'refresh_token') {
      const refresh = this.refreshTokens.get(String(fields['refresh_token']));
      if (!refresh?.alive) {
        json(res, podioError(400, 'invalid_grant', 'Invalid refresh_token', req));
        return;
      }
      let refreshToken = String(fields['refresh_token']);
      if (this.options.rotateRefreshTokens) {
        refresh.alive = false;
        refreshToken = randomBytes(32).toString('hex');
        this.refreshTokens.set(refreshToken, { clientId: this.options.clientId, alive: true });
      }
      json(res, { status: 200, body: this.tokenBody(refreshToken) });
      return;
    }
    if (grantType === 'app') {
      if (fields['app_id'] !== APP.app_id || fields['app_token'] !== APP.app_token) {
        json(res, podioError(400, 'invalid_grant', 'Invalid app_id or app_token', req));
        return;
      }
      json(res, { status: 200, body: this.tokenBody(this.issueTokens().refresh_token, { type: 'app', id: Number(APP.app_id) }) });
      return;
    }
    if (grantType === 'password') {
      if (fields['username'] === TWO_FACTOR_USER.mail && fields['password'] === TWO_FACTOR_USER.password) {
        json(res, { status: 200, body: { server_nonce: randomBytes(8).toString('hex') } });
        return;
      }
      if (fields['username'] !== USER.mail || fields['password'] !== USER.password) {
        json(res, podioError(400, 'invalid_grant', 'Invalid user credentials', req));
        return;
      }
      json(res, { status: 200, body: this.tokenBody(this.issueTokens().refresh_token) });
      return;
    }
    json(res, podioError(400, 'unsupported_grant_type', `Unsupported grant_type ${grantType}`, req));
  }

  private tokenBody(refreshToken: string, ref: { type: string; id: number } = { type: 'user', id: USER.user_id }) {
    const access = randomBytes(64).toString('hex');
    this.accessTokens.set(access, Date.now() + this.options.expiresIn * 1000);
    return {
      access_token: access,
      token_type: 'bearer',
      expires_in: this.options.expiresIn,
      refresh_token: refreshToken,
      scope: 'global:all',
      ref,
    };
  }

  private userStatus(req: IncomingMessage, res: ServerResponse): void {
    const header = req.headers.authorization ?? '';
    this.userStatusCalls.push(header);
    const token = header.startsWith('OAuth2 ') ? header.slice('OAuth2 '.length) : '';
    if (!this.isValidAccessToken(token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="podio", error="invalid_token"');
      json(res, podioError(401, 'unauthorized', 'invalid_token', req));
      return;
    }
    json(res, {
      status: 200,
      body: { user: { user_id: USER.user_id, mail: USER.mail }, profile: { name: USER.name, user_id: USER.user_id } },
    });
  }
}

function json(res: ServerResponse, { status, body }: { status: number; body: unknown }): void {
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

export async function startFakePodio(options: FakePodioOptions = {}): Promise<FakePodio> {
  return new FakePodio(options).start();
}
