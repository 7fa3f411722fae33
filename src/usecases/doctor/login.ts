import { PodioAuthError } from '../../errors.js';
import { fetchGrantedScope } from '../../podio/user-api.js';
import type { TokenDeps } from '../get-token.js';
import { withToken } from '../with-token.js';
import { type Check, check } from './check.js';

/** Whether Podio takes the stored login: a call with its token (refreshed first, and again on `expired_token`). */
export async function checkLogin(deps: TokenDeps, profileName: string, apiOrigin: string): Promise<Check> {
  try {
    const { result } = await withToken({ profile: profileName }, deps, ({ tokens }) =>
      fetchGrantedScope(deps.http, apiOrigin, tokens.accessToken, deps.signal),
    );
    const scope = result?.length ? ` (scope ${result.join(' ')})` : '';
    return check('login', 'ok', `Podio accepts the login of profile "${profileName}"${scope}`);
  } catch (error) {
    if (!(error instanceof PodioAuthError)) throw error;
    return check('login', 'fail', `The login of profile "${profileName}" does not work: ${error.message}`, error.hint);
  }
}
