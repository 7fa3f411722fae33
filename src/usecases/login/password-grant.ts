import type { ProfileRecord } from '../../domain/profile.js';
import { envValue } from '../../env.js';
import type { TokenSet } from '../../podio/token-client.js';
import { askUsername, resolveSecret } from './credentials.js';
import { exchangeAndSave, type LoginSession } from './save-login.js';
import type { LoginDeps, LoginMethod } from './types.js';

/** `login --password`: Podio's password grant, a last resort. The password itself is never stored. */
export async function passwordLogin(
  method: Extract<LoginMethod, { kind: 'password' }>,
  session: LoginSession,
  stored: ProfileRecord | undefined,
  deps: LoginDeps,
): Promise<TokenSet> {
  const username =
    method.username ?? envValue(deps.env, 'PODIO_USERNAME') ?? (await askUsername(deps, stored?.username));
  const password = await resolveSecret(
    {
      what: 'password',
      fromStdin: method.passwordFromStdin,
      envName: 'PODIO_PASSWORD',
      stored: undefined,
      stdinFlag: '--password-stdin',
      hint: 'The password grant is a last resort; the browser login (`podio-auth login`) needs no password here.',
    },
    deps,
  );
  deps.secrets.add(password);
  // When the refresh token is gone, the user logs in again.
  return exchangeAndSave(
    session,
    { grant_type: 'password', username, password },
    { grant: 'password', username },
    deps,
  );
}
