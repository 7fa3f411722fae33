import { ExitCode, isAbortError, PodioAuthError } from '../errors.js';
import { apiOriginFor } from '../podio/origins.js';
import type { TokenRef } from '../podio/token-client.js';
import { describeUser, fetchGrantedScope, fetchUserStatus, type PodioUser } from '../podio/user-api.js';
import { configKey, KEYRING_SERVICE, keyringAccount } from '../store/keyring/entries.js';
import type { FreshToken, GetTokenInput, TokenDeps, TokenSource } from './get-token.js';
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
  /** Why `/oauth/scope` could not be asked (a 404, a 500, a timeout): the scope is then unknown, not empty. */
  scopeUnknownBecause: string | undefined;
  ref: TokenRef | undefined;
  apiOrigin: string;
  /** Where the profile's secrets are kept: a file path, `OS keyring`, a Redis URL; undefined in env-only mode. */
  storedIn: string | undefined;
}

/**
 * What the token may do, or why that is unknown. The scope is shown, never relied on: a lookup that fails for
 * another reason than the token itself (which `withToken` handles) or a signal leaves the rest of the status good.
 */
async function scopeOrWhyUnknown(
  deps: TokenDeps,
  apiOrigin: string,
  accessToken: string,
): Promise<{ scopes: string[] | undefined; unknownBecause?: string }> {
  try {
    return { scopes: await fetchGrantedScope(deps.http, apiOrigin, accessToken, deps.signal) };
  } catch (error) {
    const fatal =
      !(error instanceof PodioAuthError) ||
      error.exitCode === ExitCode.authRequired ||
      error.exitCode > ExitCode.authRequired ||
      isAbortError(error) ||
      deps.signal.aborted;
    if (fatal) throw error;
    return { scopes: undefined, unknownBecause: error.message };
  }
}

/** Who the token belongs to: `/user/status`, or the app that holds it. */
async function whoseToken(deps: TokenDeps, apiOrigin: string, tokens: FreshToken['tokens']): Promise<PodioUser> {
  if (tokens.ref?.type === 'app') return { userId: undefined, name: `app ${tokens.ref.id}`, mail: undefined };
  try {
    return await fetchUserStatus(deps.http, apiOrigin, tokens.accessToken, deps.signal);
  } catch (error) {
    if (error instanceof PodioAuthError && error.code === 'app_token_not_user') {
      // A token without `ref` (given in PODIO_ACCESS_TOKEN) that turns out to be an app's.
      return { userId: undefined, name: 'an app (no user behind this token)', mail: undefined };
    }
    if (error instanceof PodioAuthError && error.exitCode === ExitCode.failure) {
      // Status reads and stores nothing: say so in its own words, not those of a refresh.
      throw new PodioAuthError(error.code, error.message, {
        hint: 'The stored login is unchanged. Try `podio-auth status` again later.',
        cause: error,
        podio: error.podio,
      });
    }
    throw error;
  }
}

export async function getStatus(input: GetTokenInput, deps: TokenDeps): Promise<Status> {
  const { result, fresh } = await withToken(input, deps, async ({ tokens, source }) => {
    const apiOrigin =
      source.kind === 'profile'
        ? apiOriginFor(source.profile, deps.env, source.name)
        : apiOriginFor(undefined, deps.env);
    // The scope first: it also checks an app's token, which has no /user/status.
    const scope = await scopeOrWhyUnknown(deps, apiOrigin, tokens.accessToken);
    return { apiOrigin, user: await whoseToken(deps, apiOrigin, tokens), ...scope };
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
    scopes: result.scopes?.length
      ? result.scopes
      : tokens.scope && !result.unknownBecause
        ? tokens.scope.split(/\s+/)
        : [],
    scopeUnknownBecause: result.unknownBecause,
    ref: tokens.ref,
    apiOrigin: result.apiOrigin,
    storedIn,
  };
}
