import type { Deps } from '../deps.js';
import type { ProfileRecord } from '../domain/profile.js';
import { PodioAuthError } from '../errors.js';
import { apiOriginFor, DEFAULT_API_URL } from '../podio/origins.js';
import { readProfile } from './get-token.js';

/**
 * What a CI job needs to get tokens in env-only mode, taken from a stored profile: the client credentials and the
 * refresh token, or the app id and token for an app login (sturdier: it needs no refresh token).
 */

export interface ExportResult {
  profile: string;
  variables: [string, string][];
  /** Podio may rotate refresh tokens: a copy in CI can go stale. */
  exportsRefreshToken: boolean;
}

export async function exportProfile(
  input: { profile?: string | undefined },
  deps: Pick<Deps, 'env' | 'store' | 'signal' | 'secrets'>,
): Promise<ExportResult> {
  const { name, profile } = await readProfile(input.profile, deps);
  // As for a token: a PODIO_API_URL naming another origin would stay in the shell that loads what is printed (a
  // profile at Podio's own origin prints none), and the job would send the secrets there.
  apiOriginFor(profile, deps.env, name);
  return exportVariables(name, profile);
}

/** The variables for a profile already read (also the launcher's fast path, which reads config.json itself). */
export function exportVariables(name: string, profile: ProfileRecord): ExportResult {
  const relogin = `Log in again: \`podio-auth login --profile ${name}\`.`;
  if (!profile.client_id || !profile.client_secret) {
    throw new PodioAuthError('profile_incomplete', `Profile "${name}" has no client credentials to export.`, {
      hint: relogin,
    });
  }
  const variables: [string, string][] = [
    ['PODIO_CLIENT_ID', profile.client_id],
    ['PODIO_CLIENT_SECRET', profile.client_secret],
  ];
  let exportsRefreshToken = false;
  if (profile.app_id && profile.app_token) {
    variables.push(['PODIO_APP_ID', profile.app_id], ['PODIO_APP_TOKEN', profile.app_token]);
  } else if (profile.refresh_token) {
    variables.push(['PODIO_REFRESH_TOKEN', profile.refresh_token]);
    exportsRefreshToken = true;
  } else {
    throw new PodioAuthError('no_refresh_token', `Profile "${name}" has no refresh token to export.`, {
      hint: relogin,
    });
  }
  // Without it, a job would call the real Podio even when the login was made against another origin.
  if (profile.api_url && profile.api_url !== DEFAULT_API_URL) variables.push(['PODIO_API_URL', profile.api_url]);
  return { profile: name, variables, exportsRefreshToken };
}
