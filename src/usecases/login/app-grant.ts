import type { ProfileRecord } from '../../domain/profile.js';
import type { TokenSet } from '../../podio/token-client.js';
import { checkTokenText, resolveSecret } from './credentials.js';
import { exchangeAndSave, type LoginSession } from './save-login.js';
import type { LoginDeps, LoginMethod } from './types.js';

/** `login --app`: Podio's app grant, with the app token from standard input, the environment or the profile. */
export async function appLogin(
  method: Extract<LoginMethod, { kind: 'app' }>,
  session: LoginSession,
  stored: ProfileRecord | undefined,
  deps: LoginDeps,
): Promise<TokenSet> {
  const appToken = await resolveSecret(
    {
      what: 'app token',
      fromStdin: method.appTokenFromStdin,
      envName: 'PODIO_APP_TOKEN',
      stored: stored?.app_id === method.appId ? stored.app_token : undefined,
      stdinFlag: '--app-token-stdin',
      hint: "The app token is on the app's page in Podio: wrench icon, Developer.",
    },
    deps,
  );
  deps.secrets.add(appToken);
  checkTokenText(appToken, 'app token', 'PODIO_APP_TOKEN, --app-token-stdin');
  // The app token is kept so that the app grant can be redone, unattended, when the refresh token is gone.
  return exchangeAndSave(
    session,
    { grant_type: 'app', app_id: method.appId, app_token: appToken },
    { grant: 'app', app_id: method.appId, app_token: appToken },
    deps,
  );
}
