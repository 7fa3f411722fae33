import type { Deps } from '../deps.js';
import { interrupted } from '../errors.js';
import { type ClientCredentials, type Grant, requestToken, type TokenAnswer } from './token-client.js';

/**
 * Sends a grant to Podio's token endpoint so that a signal is honest about what was sent. Until the request is
 * written (connected, a proxy's tunnel open, the body flushed), a first Ctrl-C or SIGTERM ends it at once: Podio
 * has nothing to act on. From then on Podio may be rotating the refresh token, so only a second signal ends it,
 * and the answer is waited for so that it can be stored.
 */
export async function sendGrant(
  deps: Pick<Deps, 'http' | 'signal' | 'forceSignal' | 'critical'>,
  apiOrigin: string,
  client: ClientCredentials,
  grant: Grant,
  now: Date,
): Promise<TokenAnswer> {
  let sent = false;
  return deps
    .critical((markSent) =>
      requestToken(deps.http, apiOrigin, client, grant, now, {
        signal: deps.forceSignal,
        abortUntilSent: deps.signal,
        onSent: () => {
          sent = true;
          markSent();
        },
      }),
    )
    .catch((error: unknown) => {
      if (!deps.signal.aborted) throw error;
      // The command ends as interrupted, saying whether Podio could have acted on the request.
      throw interrupted(
        sent
          ? 'Interrupted; Podio did not answer, so nothing was stored.'
          : 'Interrupted before the token request was sent; nothing changed.',
        deps.signal.reason,
      );
    });
}
