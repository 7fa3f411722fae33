import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, podioError } from './answers.js';
import { accessTokenOf } from './api-access.js';
import type { RouteContext } from './context.js';
import { USER } from './demo.js';
import { scopeList } from './scopes.js';

/**
 * The API calls about the signed-in user and the grant itself: `GET /user/status`, `GET /oauth/scope` and
 * podio-rb's `POST /oauth/grant/invalidate`. Each is authenticated and counted like any other API call.
 */

export function userStatus(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  ctx.userStatusCalls.push(req.headers.authorization ?? '');
  const grant = ctx.authenticate(req, res);
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

export function grantedScope(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  const grant = ctx.authenticate(req, res);
  if (!grant) return;
  json(res, { status: 200, body: scopeList(grant.scopes) });
}

/** Its effect on Podio is undocumented: here it ends the grant. */
export function invalidateGrant(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  if (!ctx.authenticate(req, res)) return;
  ctx.ledger.revokeGrant(accessTokenOf(req));
  res.writeHead(204).end();
}
