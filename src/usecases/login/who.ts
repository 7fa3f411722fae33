import { PodioAuthError } from '../../errors.js';
import type { TokenSet } from '../../podio/token-client.js';
import { describeUser, fetchUserStatus } from '../../podio/user-api.js';
import type { LoginDeps } from './types.js';

/**
 * The login already succeeded; who it was is a courtesy, and its failure only a warning. The name is kept in the
 * profile for `profiles`, if the profile still holds these tokens.
 */
export async function lookUpWho(
  name: string,
  tokens: TokenSet,
  apiUrl: string,
  deps: LoginDeps,
): Promise<{ who: string | undefined; whoError: string | undefined }> {
  let who: string;
  try {
    who = describeUser(await fetchUserStatus(deps.http, apiUrl, tokens.accessToken, deps.signal));
  } catch (error) {
    return { who: undefined, whoError: error instanceof PodioAuthError ? error.message : 'the request failed' };
  }
  await deps.store
    .transact(deps.signal, async (tx) => {
      const profile = await tx.getProfile(name);
      if (profile?.access_token !== tokens.accessToken) return;
      await tx.writeProfile(name, { ...profile, user_name: who });
    })
    .catch(() => {
      // Only a label for `profiles`; the login itself is stored.
    });
  return { who, whoError: undefined };
}
