import type { ProfileRecord } from '../../domain/profile.js';
import { PodioAuthError } from '../../errors.js';
import { sendGrant } from '../../podio/send-grant.js';
import type { ClientCredentials, Grant, TokenAnswer, TokenSet } from '../../podio/token-client.js';
import { withRefreshToken, withTokens } from '../token-policy.js';
import type { LoginTarget } from './target.js';
import type { LoginDeps } from './types.js';

/**
 * What every grant of a login ends with: Podio's answer stored before anything else happens, even through a first
 * Ctrl-C (the request and the write run under `forceSignal`), and a new refresh token kept even when the rest of
 * the answer is unusable.
 */

/** A logged-in profile about to be written: its name, where it goes, and the fields every grant starts from. */
export interface LoginSession {
  name: string;
  target: LoginTarget;
  client: ClientCredentials;
  authUrl: string;
  apiUrl: string;
  /** A fresh login replaces the profile whole: nothing of an earlier login (another app's token, say) survives. */
  base: ProfileRecord;
}

export type SaveAnswer = (answer: TokenAnswer, extra: ProfileRecord) => Promise<TokenSet>;

export function saverFor(session: LoginSession, deps: LoginDeps): SaveAnswer {
  const { name, target, base } = session;
  const write = async (record: ProfileRecord) => {
    await target.store.transact(deps.forceSignal, (tx) => tx.writeProfile(name, record));
    const { pointer } = target;
    if (pointer) await deps.store.transact(deps.forceSignal, (tx) => tx.writeProfile(name, pointer));
  };
  return async (answer, extra) => {
    const now = deps.now();
    const record = { ...base, ...extra };
    if (answer.kind === 'unusable') {
      if (answer.refreshToken !== undefined) {
        deps.secrets.add(answer.refreshToken);
        await write(withRefreshToken(record, answer.refreshToken, now));
      }
      throw answer.error;
    }
    deps.secrets.add(answer.tokens.accessToken);
    deps.secrets.add(answer.tokens.refreshToken);
    await write(withTokens(record, answer.tokens, now));
    if (deps.signal.aborted)
      throw new PodioAuthError('interrupted', 'Interrupted; the login Podio had already granted was stored first.');
    return answer.tokens;
  };
}

/** One grant sent to Podio and its answer stored, with `extra` (how to redo or describe the login) in the profile. */
export async function exchangeAndSave(
  session: LoginSession,
  grant: Grant,
  extra: ProfileRecord,
  deps: LoginDeps,
): Promise<TokenSet> {
  const answer = await sendGrant(deps, session.apiUrl, session.client, grant, deps.now());
  return saverFor(session, deps)(answer, extra);
}
