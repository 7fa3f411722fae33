import type { ProfileRecord } from '../domain/profile.js';
import { PodioAuthError } from '../errors.js';
import { ACCESS_TOKEN_LIFETIME_SECONDS, apiOriginFor } from '../podio/origins.js';
import { envCredentials } from './env-credentials.js';
import type { FreshToken, GetTokenInput, MinTtl, TokenDeps } from './fresh-token.js';
import { notLoggedIn, readProfile } from './profile-lookup.js';
import { refreshUnderLock } from './refresh-under-lock.js';
import { tokenFromEnv } from './token-from-env.js';
import { DEFAULT_MIN_TTL_SECONDS, hasTimeLeft, tokensOf } from './token-policy.js';

/**
 * A valid access token, from wherever the user keeps credentials: the environment alone (token-from-env.ts), else
 * a stored profile: its token while it has time left, else one refreshed under the store's lock
 * (refresh-under-lock.ts).
 */

export type { FreshToken, GetTokenInput, TokenDeps, TokenSource } from './fresh-token.js';
export { missingProfile, notLoggedIn, readProfile } from './profile-lookup.js';

export function checkMinTtl(seconds: number | undefined): void {
  // Podio's tokens live 8 hours; asking for more would spend a refresh and still fail.
  if (seconds !== undefined && seconds >= ACCESS_TOKEN_LIFETIME_SECONDS) {
    throw new PodioAuthError('ttl_too_long', `--min-ttl ${seconds} is longer than Podio's tokens live (8 hours).`, {
      hint: `Ask for less than ${ACCESS_TOKEN_LIFETIME_SECONDS} seconds.`,
    });
  }
}

export async function getToken(input: GetTokenInput, deps: TokenDeps): Promise<FreshToken> {
  checkMinTtl(input.minTtlSeconds);
  const fromEnv = input.profile === undefined ? envCredentials(deps.env) : undefined;
  if (fromEnv) return tokenFromEnv(fromEnv, input, deps);
  return tokenFromProfile(input, deps);
}

function canRedoGrant(profile: ProfileRecord): boolean {
  return Boolean(profile.app_id && profile.app_token);
}

async function tokenFromProfile(input: GetTokenInput, deps: TokenDeps): Promise<FreshToken> {
  const ttl: MinTtl = {
    seconds: input.minTtlSeconds ?? DEFAULT_MIN_TTL_SECONDS,
    strict: input.minTtlSeconds !== undefined,
  };
  const { name, profile, store } = await readProfile(input.profile, deps);
  const stored = tokensOf(profile);
  if (!stored && !profile.refresh_token && !canRedoGrant(profile)) throw notLoggedIn(name, profile);
  if (stored && input.rejectedToken === undefined && hasTimeLeft(profile, deps.now(), ttl.seconds, ttl.strict)) {
    // A PODIO_API_URL naming another origin refuses the token even though nothing is sent (a refresh checks it
    // too): whoever is handed the token (exec's command, a script, podio-js) would take that variable for where to
    // use it.
    apiOriginFor(profile, deps.env, name);
    return { tokens: stored, source: { kind: 'profile', name, profile, location: store.location }, refreshed: false };
  }
  return refreshUnderLock(
    {
      name,
      store,
      ttl,
      replacing: input.rejectedToken ?? stored?.accessToken,
      rejected: input.rejectedToken !== undefined,
    },
    deps,
  );
}
