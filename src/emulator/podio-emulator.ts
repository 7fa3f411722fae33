import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, podioError, readBody } from './answers.js';
import { type ApiAccess, createApiAccess } from './api-access.js';
import { authorizeDecision, authorizePage } from './authorize.js';
import { clockControl, createEmulatedClock, type EmulatedClock } from './clock.js';
import type { RouteContext, TokenRequestRecord } from './context.js';
import { type Ref, USER_REF } from './demo.js';
import { applyFault, type Fault, type FaultPath } from './faults.js';
import { type ApiCaller, createGrantLedger, type GrantLedger, type IssuedTokens } from './grants.js';
import { createItemRoutes } from './items.js';
import { type EmulatorOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { GLOBAL_ALL, parseRequestedScope } from './scopes.js';
import { createEmulatorServer } from './server.js';
import { tokenEndpoint } from './token.js';
import { grantedScope, invalidateGrant, userStatus } from './users.js';

/**
 * A local Podio for trying podio-auth without an account, for podio-auth's own tests, and for users' tests of their
 * own Podio code (podio-js 1.6.1 runs against it unchanged). This module is its public face and its dispatch; the
 * routes live in one module per area. Where Podio's behaviour is unconfirmed, it picks one answer and says so; the
 * options switch to the other.
 *
 * A class, unlike the other stateful parts of src/ (closure factories returning an interface): it is the emulator's
 * public face, and a fake Podio subclasses it to serve more of Podio's API through its `extraRoute` and
 * `authenticate` hooks (as the tests' FakePodio does).
 */

export type { TokenRequestRecord } from './context.js';
export {
  ACCESS_TOKEN_SECONDS,
  APP,
  DEMO_CLIENT,
  REFRESH_TOKEN_SECONDS,
  TWO_FACTOR_USER,
  USER,
} from './demo.js';
export type { Fault, FaultPath } from './faults.js';
export type { IssuedTokens } from './grants.js';
export type { EmulatorOptions } from './options.js';

export class PodioEmulator {
  readonly options: ResolvedOptions;
  url = '';
  readonly tokenRequests: TokenRequestRecord[] = [];
  readonly authorizeRequests: URLSearchParams[] = [];
  readonly userStatusCalls: string[] = [];
  /** Requests answered with a fault instead of being processed. */
  readonly faulted: { path: string; fault: Fault }[] = [];
  /** Requests that followed a 'redirect' fault. */
  redirectedHits = 0;
  /** Items and apps with Podio's shapes (`GET /item/{id}`, create, filter, `GET /app/space/{id}/`), for `api`. */
  readonly items = createItemRoutes();
  private readonly clock: EmulatedClock;
  private readonly ledger: GrantLedger;
  private readonly access: ApiAccess;
  private readonly routeContext: RouteContext;
  private readonly faults = new Map<string, Fault[]>();
  private readonly listenOn: { host: string; port: number };
  private readonly server = createEmulatorServer((req, res) => this.handle(req, res));

  constructor(options: EmulatorOptions = {}) {
    this.options = resolveOptions(options);
    this.clock = createEmulatedClock(this.options.clockOffsetMs);
    const now = () => this.now();
    this.ledger = createGrantLedger(now);
    this.access = createApiAccess(this.ledger, () => this.options.rateLimit, now);
    this.routeContext = {
      options: this.options,
      ledger: this.ledger,
      now,
      authenticate: (req, res) => this.authenticate(req, res),
      tokenRequests: this.tokenRequests,
      authorizeRequests: this.authorizeRequests,
      userStatusCalls: this.userStatusCalls,
    };
    this.listenOn = { host: options.host ?? '127.0.0.1', port: options.port ?? 0 };
  }

  async start(): Promise<this> {
    this.url = await this.server.start(this.listenOn.host, this.listenOn.port);
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** The emulated time, in milliseconds since the epoch. */
  now(): number {
    return this.clock.now();
  }

  /** Moves the emulated clock ahead (or back, if negative) by `seconds`. */
  advanceClock(seconds: number): void {
    this.clock.advance(seconds);
  }

  /** Sets the emulated clock to the real one plus `seconds`. */
  setClockOffset(seconds: number): void {
    this.clock.setOffset(seconds);
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
    const grant = this.ledger.newGrant(ref, parseRequestedScope(scope) ?? GLOBAL_ALL);
    const lifetime = this.options.expiresIn;
    const accessToken = this.ledger.newAccessToken(grant, lifetime);
    return { access_token: accessToken, refresh_token: this.ledger.newRefreshToken(grant), expires_in: lifetime };
  }

  isValidAccessToken(token: string): boolean {
    return this.ledger.isValidAccessToken(token);
  }

  isLiveRefreshToken(token: string): boolean {
    return this.ledger.isLiveRefreshToken(token);
  }

  /** Ends the grant an access or refresh token belongs to: its tokens are refused from then on. */
  revokeGrant(token: string): boolean {
    return this.ledger.revokeGrant(token);
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
  protected authenticate(req: IncomingMessage, res: ServerResponse): ApiCaller | undefined {
    return this.access.authenticate(req, res);
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
    if (url.pathname === '/__emulator/clock') return clockControl(this.clock, req, body, res);
    const fault = this.faults.get(url.pathname)?.shift();
    if (fault) {
      this.faulted.push({ path: url.pathname, fault });
      applyFault(fault, req, res, { rateLimit: this.options.rateLimit, baseUrl: this.url });
      return;
    }
    if (url.pathname === '/oauth/authorize' && req.method === 'GET') return authorizePage(this.routeContext, url, res);
    if (url.pathname === '/oauth/authorize' && req.method === 'POST') {
      return authorizeDecision(this.routeContext, new URLSearchParams(body), res);
    }
    if (url.pathname === '/' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Podio emulator (podio-auth)\n');
      return;
    }
    if (this.options.rateLimited) {
      applyFault('rate-limit', req, res, { rateLimit: this.options.rateLimit, baseUrl: this.url });
      return;
    }
    const tokenEndpointKind = this.tokenEndpointOf(url, req);
    if (tokenEndpointKind) return tokenEndpoint(this.routeContext, tokenEndpointKind, url, req, body, res);
    if (!this.apiRoute(url, req, body, res)) json(res, podioError(404, 'not_found', 'No such endpoint', req));
  }

  /** Which token endpoint a request is for, if it is one that exists. */
  private tokenEndpointOf(url: URL, req: IncomingMessage): 'json' | 'form' | undefined {
    if (req.method !== 'POST') return undefined;
    if (url.pathname === '/oauth/token/v2' && this.options.endpoints.json) return 'json';
    if (url.pathname === '/oauth/token' && this.options.endpoints.form) return 'form';
    return undefined;
  }

  /** Podio's API endpoints; false when the request is for none of them. */
  private apiRoute(url: URL, req: IncomingMessage, body: string, res: ServerResponse): boolean {
    const { pathname } = url;
    if (pathname === '/user/status' && req.method === 'GET') userStatus(this.routeContext, req, res);
    else if (pathname === '/oauth/scope' && req.method === 'GET') grantedScope(this.routeContext, req, res);
    else if (pathname === '/oauth/grant/invalidate' && req.method === 'POST')
      invalidateGrant(this.routeContext, req, res);
    else return this.items.route(url, req, body, res, (request, response) => this.authenticate(request, response)?.ref);
    return true;
  }
}
