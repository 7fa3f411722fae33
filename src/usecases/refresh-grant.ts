import type { ProfileRecord } from '../domain/profile.js';
import { interrupted, isErrorCode, PodioAuthError } from '../errors.js';
import { apiOriginFor } from '../podio/origins.js';
import { sendGrant } from '../podio/send-grant.js';
import {
  type ClientCredentials,
  type Grant,
  MAX_ANSWER_GROWTH_BYTES,
  type TokenAnswer,
} from '../podio/token-client.js';
import type { StoreTransaction } from '../store/port.js';
import type { TokenDeps } from './fresh-token.js';
import { loginHint } from './profile-lookup.js';
import { storeRefreshed } from './store-refreshed.js';
import { sameRef, withRefreshToken, withTokens } from './token-policy.js';

/**
 * One refresh of a stored profile, under its lock: the refresh token (or the app grant again, which needs no
 * person), and Podio's answer stored before anything else happens. The request runs under `forceSignal`, so a
 * first Ctrl-C waits for the answer, and a new refresh token is kept even when the rest of the answer is unusable.
 */

interface ExchangeContext {
  client: ClientCredentials;
  apiOrigin: string;
  tx: StoreTransaction;
}

/** Refreshes (or redoes the app grant) and stores the answer; returns the stored profile. Runs under the lock. */
export async function refreshProfile(
  name: string,
  profile: ProfileRecord,
  tx: StoreTransaction,
  deps: TokenDeps,
): Promise<ProfileRecord> {
  const context = { client: profileClient(profile, name), apiOrigin: apiOriginFor(profile, deps.env, name), tx };
  const appGrant: Grant | undefined =
    profile.app_id && profile.app_token
      ? { grant_type: 'app', app_id: profile.app_id, app_token: profile.app_token }
      : undefined;
  const exchange = (grant: Grant) => exchangeAndStore(name, profile, grant, context, deps);
  if (profile.refresh_token) {
    try {
      return await exchange({ grant_type: 'refresh_token', refresh_token: profile.refresh_token });
    } catch (error) {
      // An app login can start over without a person; any other login needs one.
      if (appGrant && isErrorCode(error, 'refresh_rejected')) return exchange(appGrant);
      throw refreshFailure(error, name, tx);
    }
  }
  if (appGrant) return exchange(appGrant);
  throw new PodioAuthError(
    'no_refresh_token',
    `The access token of profile "${name}" has expired and there is no refresh token.`,
    {
      hint: loginHint(name),
    },
  );
}

/** A rejected refresh token means a new login, unless a holder that stopped mid-refresh may yet store its answer. */
function refreshFailure(error: unknown, name: string, tx: StoreTransaction): unknown {
  if (!isErrorCode(error, 'refresh_rejected')) return error;
  if (tx.tookOverSilentHolder) {
    return new PodioAuthError(
      'refresh_rejected_after_takeover',
      `${error.message.replace(/\.$/, '')}; a podio-auth that stopped while refreshing profile "${name}" may ` +
        'have replaced it, and may yet store the new one.',
      { podio: error.podio },
    );
  }
  return new PodioAuthError(
    'refresh_rejected',
    `${error.message.replace(/\.$/, '')}, so profile "${name}" must log in again.`,
    {
      hint: loginHint(name),
      podio: error.podio,
    },
  );
}

function profileClient(profile: ProfileRecord, name: string): ClientCredentials {
  if (!profile.client_id || !profile.client_secret) {
    throw new PodioAuthError(
      'profile_incomplete',
      `Profile "${name}" has no client id and secret to refresh its token with.`,
      {
        hint: loginHint(name),
      },
    );
  }
  return { clientId: profile.client_id, clientSecret: profile.client_secret };
}

async function exchangeAndStore(
  name: string,
  profile: ProfileRecord,
  grant: Grant,
  { client, apiOrigin, tx }: ExchangeContext,
  deps: TokenDeps,
): Promise<ProfileRecord> {
  // Nothing has been sent yet: a Ctrl-C that came while waiting for the lock ends it here.
  if (deps.signal.aborted) throw interrupted(undefined, deps.signal.reason);
  // Room for the answer, claimed before the request: a full disk fails now, while the refresh token still works.
  await tx.reserveWrite?.(MAX_ANSWER_GROWTH_BYTES);
  const now = deps.now();
  deps.debug(`${grant.grant_type} grant: POST ${apiOrigin}/oauth/token/v2`);
  const answer: TokenAnswer = await sendGrant(deps, apiOrigin, client, grant, now);
  const sentRefresh = grant.grant_type === 'refresh_token' ? grant.refresh_token : undefined;
  const store = (next: ProfileRecord, newRefresh: string | undefined) =>
    storeRefreshed(name, profile, next, newRefresh !== undefined && newRefresh !== sentRefresh, tx, deps);
  if (answer.kind === 'unusable') {
    if (answer.refreshToken !== undefined) {
      deps.secrets.add(answer.refreshToken);
      await store(withRefreshToken(profile, answer.refreshToken, now), answer.refreshToken);
    }
    throw answer.error;
  }
  const { tokens } = answer;
  deps.secrets.add(tokens.accessToken);
  deps.secrets.add(tokens.refreshToken);
  if (!sameRef(profile, tokens)) {
    const was = `${profile.ref?.type} ${profile.ref?.id}`;
    const now = `${tokens.ref?.type} ${tokens.ref?.id}`;
    throw new PodioAuthError(
      'bad_response',
      `Podio answered for ${now}, but profile "${name}" belongs to ${was}; nothing was stored.`,
      {
        hint: 'Log in again if the profile should change hands.',
      },
    );
  }
  const stored = await store(withTokens(profile, tokens, now), tokens.refreshToken);
  if (deps.signal.aborted)
    throw interrupted('Interrupted; the token Podio had already sent was stored first.', deps.signal.reason);
  return stored;
}
