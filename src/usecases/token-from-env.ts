import type { Deps } from '../deps.js';
import { isTokenText } from '../domain/guards.js';
import { envValue } from '../env.js';
import { isErrorCode, PodioAuthError } from '../errors.js';
import { apiOriginFor } from '../podio/origins.js';
import { type ClientCredentials, type Grant, requestToken, type TokenAnswer } from '../podio/token-client.js';
import type { EnvVariable } from './env-credentials.js';
import type { FreshToken, GetTokenInput, TokenDeps, TokenSource } from './fresh-token.js';

/**
 * A token from the environment alone (CI): PODIO_ACCESS_TOKEN as is; PODIO_REFRESH_TOKEN or PODIO_APP_ID +
 * PODIO_APP_TOKEN with the client credentials, exchanged on every call. No store is read or written.
 */

export async function tokenFromEnv(variable: EnvVariable, input: GetTokenInput, deps: TokenDeps): Promise<FreshToken> {
  const { env } = deps;
  const source: TokenSource = { kind: 'env', variable };
  if (variable === 'PODIO_ACCESS_TOKEN') return givenAccessToken(env, input, source);
  const apiOrigin = apiOriginFor(undefined, env);
  const grant: Grant =
    variable === 'PODIO_REFRESH_TOKEN'
      ? { grant_type: 'refresh_token', refresh_token: input.envRefreshToken ?? envToken(env, 'PODIO_REFRESH_TOKEN') }
      : { grant_type: 'app', app_id: envToken(env, 'PODIO_APP_ID'), app_token: envToken(env, 'PODIO_APP_TOKEN') };
  const client = envClient(
    env,
    variable === 'PODIO_REFRESH_TOKEN' ? 'PODIO_REFRESH_TOKEN' : 'PODIO_APP_ID and PODIO_APP_TOKEN',
  );
  let answer: TokenAnswer;
  try {
    // Marked critical for the library's refresh gate, but never as sent: nothing is stored in env-only mode, so
    // a first Ctrl-C need not wait for the answer.
    answer = await deps.critical(() => requestToken(deps.http, apiOrigin, client, grant, deps.now(), deps.signal));
  } catch (error) {
    envRejected(error, variable);
  }
  if (answer.kind === 'unusable') throw answer.error;
  const { tokens } = answer;
  deps.secrets.add(tokens.accessToken);
  deps.secrets.add(tokens.refreshToken);
  if (grant.grant_type === 'refresh_token' && tokens.refreshToken && tokens.refreshToken !== grant.refresh_token) {
    deps.warn?.(
      'Podio answered with a new refresh token, so the one in PODIO_REFRESH_TOKEN may no longer work. An app login (`podio-auth login --app`) is sturdier for unattended jobs.',
    );
  }
  return { tokens, source, refreshed: true };
}

/** PODIO_ACCESS_TOKEN is given as is: its expiry is unknown, and nothing here can renew it. */
function givenAccessToken(env: Deps['env'], input: GetTokenInput, source: TokenSource): FreshToken {
  const accessToken = envToken(env, 'PODIO_ACCESS_TOKEN');
  if (input.rejectedToken === accessToken) {
    throw new PodioAuthError(
      'env_credentials_rejected',
      'Podio rejected the access token given in PODIO_ACCESS_TOKEN (expired or revoked).',
      {
        hint: 'Update PODIO_ACCESS_TOKEN, or give PODIO_REFRESH_TOKEN or an app login instead.',
      },
    );
  }
  return { tokens: { accessToken, tokenType: 'bearer', expiresAt: '' }, source, refreshed: false };
}

function envClient(env: Deps['env'], forWhat: string): ClientCredentials {
  const clientId = envValue(env, 'PODIO_CLIENT_ID');
  const clientSecret = envValue(env, 'PODIO_CLIENT_SECRET');
  if (!clientId || !clientSecret) {
    const verb = forWhat.includes(' and ') ? 'need' : 'needs';
    throw new PodioAuthError('usage', `${forWhat} ${verb} PODIO_CLIENT_ID and PODIO_CLIENT_SECRET as well.`, {
      hint: 'Set both, or use a stored profile (`podio-auth login`).',
    });
  }
  return { clientId, clientSecret };
}

function envToken(env: Deps['env'], name: string): string {
  const value = envValue(env, name) ?? '';
  if (!isTokenText(value)) throw new PodioAuthError('usage', `${name} has characters a token cannot have.`);
  return value;
}

/** Podio's rejection of credentials from the environment: the fix is the variable, not `podio-auth login`. */
function envRejected(error: unknown, variable: string): never {
  if (isErrorCode(error, 'refresh_rejected', 'app_rejected')) {
    throw new PodioAuthError('env_credentials_rejected', `${error.message.replace(/\.$/, '')} given in ${variable}.`, {
      hint:
        variable === 'PODIO_REFRESH_TOKEN'
          ? 'It may have been used and rotated elsewhere: export a fresh one (`podio-auth export`) into the CI secret, or use an app login.'
          : 'Check PODIO_APP_ID and PODIO_APP_TOKEN.',
      podio: error.podio,
    });
  }
  if (isErrorCode(error, 'client_rejected')) {
    throw new PodioAuthError('env_credentials_rejected', error.message, {
      hint: 'Check PODIO_CLIENT_ID and PODIO_CLIENT_SECRET.',
      podio: error.podio,
    });
  }
  throw error;
}
