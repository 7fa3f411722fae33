/** Podio's authorize page, as its server-side flow expects it (FACTS: client_id, redirect_uri, state, scope). */
export function authorizeUrl(
  authOrigin: string,
  params: { clientId: string; redirectUri: string; state: string; scope?: string | undefined },
): string {
  const url = new URL('/oauth/authorize', authOrigin);
  url.searchParams.set('client_id', params.clientId);
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('state', params.state);
  if (params.scope) url.searchParams.set('scope', params.scope);
  return url.toString();
}
