import { type BrowserPlan, browserLogin } from '../../login/browser-login.js';
import type { TokenSet } from '../../podio/token-client.js';
import { type LoginSession, saverFor } from './save-login.js';
import type { LoginDeps, LoginMethod } from './types.js';

/** Where the browser login sends the user and comes back: worked out (and checked) before the login starts. */
export interface BrowserRoute {
  redirectHost: string;
  plan: BrowserPlan;
}

/**
 * The browser login (Podio's server-side flow): the answer is stored through the login's saver before the browser
 * is told how it went. Undefined when it ended without tokens.
 */
export async function browserGrantLogin(
  method: Extract<LoginMethod, { kind: 'browser' }>,
  route: BrowserRoute,
  session: LoginSession,
  deps: LoginDeps,
): Promise<TokenSet | undefined> {
  const save = saverFor(session, deps);
  let tokens: TokenSet | undefined;
  await browserLogin(
    {
      client: session.client,
      scope: method.scope,
      redirectHost: route.redirectHost,
      port: method.port,
      browser: route.plan,
      pasteFrom: method.acceptPaste ? deps.stdin : undefined,
      timeoutSeconds: method.timeoutSeconds,
      authUrl: session.authUrl,
      apiUrl: session.apiUrl,
    },
    deps,
    await deps.ui(),
    async (answer) => {
      tokens = await save(answer, { grant: 'authorization_code', redirect_host: route.redirectHost });
    },
  );
  return tokens;
}
