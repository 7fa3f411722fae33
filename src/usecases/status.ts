import { PodioAuthError } from '../errors.js';
import { apiOriginFor } from '../podio/origins.js';
import type { TokenRef } from '../podio/token-client.js';
import { describeUser, fetchGrantedScope, fetchUserStatus, type PodioUser } from '../podio/user-api.js';
import { configKey, KEYRING_SERVICE, keyringAccount } from '../store/keyring-entries.js';
import type { GetTokenInput, TokenDeps, TokenSource } from './get-token.js';
import { withToken } from './with-token.js';

/** Who is logged in, checked with Podio (refreshing first when needed), and where the tokens live. */

export interface Status {
  source: TokenSource;
  /** For an app token: no user, the app instead. */
  user: PodioUser & { display: string };
  expiresAt: string | undefined;
  hasRefreshToken: boolean;
  /** What Podio says the token may do (`/oauth/scope`), else what the token answer said. */
  scopes: string[];
  ref: TokenRef | undefined;
  apiOrigin: string;
  /** Where the profile's secrets are kept: a file path, `OS keyring`, a Redis URL; undefined in env-only mode. */
  storedIn: string | undefined;
}

export async function getStatus(input: GetTokenInput, deps: TokenDeps): Promise<Status> {
  const { result, fresh } = await withToken(input, deps, async ({ tokens, source }) => {
    const apiOrigin = apiOriginFor(source.kind === 'profile' ? source.profile : undefined, deps.env);
    const scopes = await fetchGrantedScope(deps.http, apiOrigin, tokens.accessToken, deps.signal);
    if (tokens.ref?.type === 'app') {
      return { apiOrigin, scopes, user: { userId: undefined, name: `app ${tokens.ref.id}`, mail: undefined } };
    }
    try {
      return { apiOrigin, scopes, user: await fetchUserStatus(deps.http, apiOrigin, tokens.accessToken, deps.signal) };
    } catch (error) {
      if (error instanceof PodioAuthError && error.code === 'app_token_not_user') {
        // A token without `ref` (given in PODIO_ACCESS_TOKEN) that turns out to be an app's.
        return {
          apiOrigin,
          scopes,
          user: { userId: undefined, name: 'an app (no user behind this token)', mail: undefined },
        };
      }
      throw error;
    }
  });
  const { tokens, source } = fresh;
  const storedIn =
    source.kind === 'env'
      ? undefined
      : source.profile.store === 'keyring'
        ? `OS keyring (service ${KEYRING_SERVICE}, account "${keyringAccount(source.name, configKey(source.location))}"); ` +
          `metadata in ${source.location}`
        : source.location;
  return {
    source,
    user: { ...result.user, display: describeUser(result.user) },
    expiresAt: tokens.expiresAt || undefined,
    hasRefreshToken: Boolean(tokens.refreshToken),
    scopes: result.scopes?.length ? result.scopes : tokens.scope ? tokens.scope.split(/\s+/) : [],
    ref: tokens.ref,
    apiOrigin: result.apiOrigin,
    storedIn,
  };
}
