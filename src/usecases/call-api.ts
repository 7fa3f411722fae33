import type { ApiRequestInput, ApiResult } from '../api/request.js';
import type { Deps } from '../deps.js';
import { apiOriginFor } from '../podio/origins.js';
import { envCredentials } from './env-credentials.js';
import { type FreshToken, getToken, readProfile, type TokenDeps } from './get-token.js';
import { tokenForOrigin } from './token-origin.js';

/** `podio-auth api`: one request (or every page) to the API origin of a profile's login, or of env-only mode. */
export interface CallApiInput extends Omit<ApiRequestInput, 'apiOrigin'> {
  profile: string | undefined;
}

export type CallApiDeps = TokenDeps &
  Pick<Deps, 'stdin' | 'sleep'> & {
    /** Reads a file given to a field or --input (bounded by the caller). */
    readFile: (path: string) => Promise<string>;
  };

/**
 * The token is fetched only once the request is known to be sendable, and refreshed once (never twice) if Podio
 * says the one sent expired.
 */
export async function callApi(input: CallApiInput, deps: CallApiDeps): Promise<ApiResult> {
  const { apiRequest } = await import('../api/request.js');
  const { profile, ...request } = input;
  // The origin of the profile's login (PODIO_API_URL in env-only mode), read without a request: nothing is sent, not
  // even a refresh, before the endpoint is known to be on it.
  const envOnly = profile === undefined && envCredentials(deps.env) !== undefined;
  const stored = envOnly ? undefined : await readProfile(profile, deps);
  const apiOrigin = apiOriginFor(stored?.profile, deps.env, stored?.name);
  let current: FreshToken | undefined;
  return apiRequest(
    { ...request, apiOrigin },
    {
      http: deps.http,
      getToken: async (forceRefresh) => {
        const rejected = forceRefresh ? current?.tokens.accessToken : undefined;
        if (!current || forceRefresh) current = await getToken({ profile, rejectedToken: rejected }, deps);
        return tokenForOrigin(current, apiOrigin, deps.env);
      },
      readFile: deps.readFile,
      stdin: deps.stdin,
      sleep: deps.sleep,
      signal: deps.signal,
    },
  );
}
