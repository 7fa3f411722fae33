import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, type PodioAnswer, parseJsonObject, podioError, textFields } from './answers.js';
import type { RouteContext } from './context.js';
import { ACCESS_TOKEN_SECONDS, APP, TWO_FACTOR_USER, USER, USER_REF } from './demo.js';
import type { GrantedScope } from './scopes.js';
import { GLOBAL_ALL } from './scopes.js';

/**
 * `POST /oauth/token/v2` (JSON) and `POST /oauth/token` (form, or JSON when sent as JSON), with Podio's four
 * grants. Fields may also come in the query string, as podio-rb sends them; codes are single-use; refresh tokens
 * rotate unless switched off, since whether Podio rotates is unconfirmed.
 */

export async function tokenEndpoint(
  ctx: RouteContext,
  endpoint: 'json' | 'form',
  url: URL,
  req: IncomingMessage,
  body: string,
  res: ServerResponse,
): Promise<void> {
  const bodyFields = readTokenFields(endpoint, req, body);
  if (!bodyFields) {
    json(res, podioError(400, 'invalid_request', 'The body must be a JSON object', req));
    return;
  }
  // podio-rb sends the grant's fields in the query string; what the body says wins.
  const fields = { ...Object.fromEntries(url.searchParams), ...bodyFields };
  const grantType = String(fields['grant_type']);
  ctx.tokenRequests.push({ endpoint, grantType, fields });
  const { options } = ctx;
  if (options.tokenDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.tokenDelayMs));
  if (fields['client_id'] !== options.clientId || fields['client_secret'] !== options.clientSecret) {
    json(res, podioError(401, 'invalid_client', 'Invalid client_id or client_secret', req));
    return;
  }
  json(res, grant(ctx, grantType, fields, req));
}

/** The body's fields, or undefined when a JSON body is not a JSON object. */
function readTokenFields(
  endpoint: 'json' | 'form',
  req: IncomingMessage,
  body: string,
): Record<string, string> | undefined {
  if (body.trim() === '') return {};
  const sentAsJson = endpoint === 'json' || /\bjson\b/i.test(req.headers['content-type'] ?? '');
  if (!sentAsJson) return Object.fromEntries(new URLSearchParams(body));
  const parsed = parseJsonObject(body);
  return parsed ? textFields(parsed) : undefined;
}

function grant(ctx: RouteContext, grantType: string, fields: Record<string, string>, req: IncomingMessage) {
  switch (grantType) {
    case 'authorization_code':
      return codeGrant(ctx, fields, req);
    case 'refresh_token':
      return refreshGrant(ctx, fields, req);
    case 'app':
      return appGrant(ctx, fields, req);
    case 'password':
      return passwordGrant(ctx, fields, req);
    default:
      return podioError(400, 'unsupported_grant_type', `Unsupported grant_type ${grantType}`, req);
  }
}

function codeGrant(ctx: RouteContext, fields: Record<string, string>, req: IncomingMessage) {
  const { ledger, options } = ctx;
  const code = ledger.code(String(fields['code']));
  if (!code || code.used || code.expires <= ctx.now() || code.redirectUri !== fields['redirect_uri']) {
    return podioError(400, 'invalid_grant', 'Invalid, used or expired authorization code', req);
  }
  code.used = true;
  return { status: 200, body: ledger.tokenAnswer(ledger.newGrant(USER_REF, code.scopes), options.expiresIn) };
}

function refreshGrant(ctx: RouteContext, fields: Record<string, string>, req: IncomingMessage): PodioAnswer {
  const { ledger, options } = ctx;
  const refresh = ledger.refreshToken(String(fields['refresh_token']));
  if (!refresh?.alive || refresh.grant.revoked) {
    return podioError(400, 'invalid_grant', 'Invalid refresh_token', req);
  }
  if (refresh.expires <= ctx.now()) return podioError(400, 'invalid_grant', 'Expired refresh_token', req);
  // Unconfirmed whether Podio rotates; without rotation the token keeps its first 28 days.
  let refreshToken: string | undefined;
  if (options.rotateRefreshTokens) refresh.alive = false;
  else refreshToken = String(fields['refresh_token']);
  const lifetime = options.expiresIn === 0 ? ACCESS_TOKEN_SECONDS : options.expiresIn;
  return { status: 200, body: ledger.tokenAnswer(refresh.grant, lifetime, refreshToken) };
}

function appGrant({ ledger, options }: RouteContext, fields: Record<string, string>, req: IncomingMessage) {
  if (fields['app_id'] !== APP.app_id || fields['app_token'] !== APP.app_token) {
    return podioError(400, 'invalid_grant', 'Invalid app_id or app_token', req);
  }
  // An app's token reaches that app only.
  const app = { type: 'app', id: Number(APP.app_id) };
  const scopes: GrantedScope[] = [{ refType: 'app', refId: app.id, permissions: ['all'] }];
  return { status: 200, body: ledger.tokenAnswer(ledger.newGrant(app, scopes), options.expiresIn) };
}

function passwordGrant({ ledger, options }: RouteContext, fields: Record<string, string>, req: IncomingMessage) {
  if (fields['username'] === TWO_FACTOR_USER.mail && fields['password'] === TWO_FACTOR_USER.password) {
    return { status: 200, body: { server_nonce: randomBytes(8).toString('hex') } };
  }
  if (fields['username'] !== USER.mail || fields['password'] !== USER.password) {
    return podioError(400, 'invalid_grant', 'Invalid user credentials', req);
  }
  return { status: 200, body: ledger.tokenAnswer(ledger.newGrant(USER_REF, GLOBAL_ALL), options.expiresIn) };
}
