import type { ServerResponse } from 'node:http';
import { escapeHtml } from '../login/pages.js';
import type { RouteContext } from './context.js';
import { USER, USER_REF } from './demo.js';
import { normalizeHost } from './options.js';
import { GLOBAL_ALL, parseRequestedScope } from './scopes.js';

/**
 * `GET /oauth/authorize` (the Grant / Deny page) and its form's `POST`. Repeated parameters keep the last value,
 * as on Podio; the `redirect_uri` must be on the API key's domain, else an error page and no redirect at all.
 */

export function authorizePage(ctx: RouteContext, url: URL, res: ServerResponse): void {
  ctx.authorizeRequests.push(url.searchParams);
  // Podio keeps the last of repeated parameters.
  const params = Object.fromEntries(url.searchParams);
  const problem = authorizeProblem(ctx, params);
  if (problem) {
    refuseAuthorize(problem, res);
    return;
  }
  if (ctx.options.decision !== 'ask') {
    redirectWithDecision(ctx, params, ctx.options.decision, res);
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

export function authorizeDecision(ctx: RouteContext, form: URLSearchParams, res: ServerResponse): void {
  const params = Object.fromEntries(form);
  const problem = authorizeProblem(ctx, params);
  if (problem) {
    refuseAuthorize(problem, res);
    return;
  }
  redirectWithDecision(ctx, params, params['decision'] === 'grant' ? 'grant' : 'deny', res);
}

/** Why an authorize request cannot go ahead (Podio shows an error and redirects nowhere), or undefined. */
function authorizeProblem({ options }: RouteContext, params: Record<string, string>): string | undefined {
  if (params['client_id'] !== options.clientId) return 'invalid_client: unknown client_id';
  let redirect: URL;
  try {
    redirect = new URL(params['redirect_uri'] ?? '');
  } catch {
    return 'invalid_request: redirect_uri is missing or not a URL';
  }
  if (!['http:', 'https:'].includes(redirect.protocol)) return 'invalid_request: redirect_uri is not http(s)';
  if (normalizeHost(redirect.hostname) !== options.domain) {
    return `invalid_request: the redirect_uri must be on the API key's domain (${options.domain})`;
  }
  const responseType = params['response_type'] ?? 'code';
  if (responseType !== 'code' && responseType !== 'token') return 'unsupported_response_type: use code or token';
  if (!parseRequestedScope(params['scope'])) return 'invalid_scope: the scope is not Podio\'s (e.g. "global:all")';
  return undefined;
}

function refuseAuthorize(problem: string, res: ServerResponse): void {
  res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error · Podio emulator</title></head>
<body><h1>Invalid authorization request</h1><p>${escapeHtml(problem)}</p></body></html>
`);
}

function redirectWithDecision(
  ctx: RouteContext,
  params: Record<string, string>,
  decision: 'grant' | 'deny',
  res: ServerResponse,
): void {
  const { options, ledger } = ctx;
  const redirectUri = params['redirect_uri'] as string;
  const state = params['state'];
  const scopes = parseRequestedScope(params['scope']) ?? GLOBAL_ALL;
  const target = new URL(redirectUri);
  if (decision === 'grant' && params['response_type'] === 'token') {
    // The client-side flow: the tokens travel in the fragment, which never reaches a server.
    const answer = ledger.tokenAnswer(ledger.newGrant(USER_REF, scopes), options.expiresIn);
    const fragment = new URLSearchParams({
      access_token: answer.access_token,
      token_type: 'bearer',
      expires_in: String(answer.expires_in),
      refresh_token: answer.refresh_token,
      scope: answer.scope,
    });
    if (options.echoState && state !== undefined) fragment.set('state', state);
    target.hash = fragment.toString();
  } else {
    if (decision === 'grant') {
      target.searchParams.set('code', ledger.newCode(redirectUri, scopes, options.codeTtlSeconds));
    } else {
      target.searchParams.set('error_reason', 'user_denied');
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', options.denyDescription);
    }
    if (options.echoState && state !== undefined) target.searchParams.set('state', state);
  }
  res.writeHead(302, { location: target.toString() }).end();
}
