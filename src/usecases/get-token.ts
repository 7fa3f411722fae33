import type { Deps } from '../deps.js';
import { isTokenText } from '../domain/guards.js';
import type { ProfileRecord } from '../domain/profile.js';
import { envValue } from '../env.js';
import { interrupted, isErrorCode, PodioAuthError } from '../errors.js';
import { ACCESS_TOKEN_LIFETIME_SECONDS, apiOriginFor } from '../podio/origins.js';
import { sendGrant } from '../podio/send-grant.js';
import {
  type ClientCredentials,
  type Grant,
  requestToken,
  type TokenAnswer,
  type TokenSet,
} from '../podio/token-client.js';
import type { ProfileStore, StoreSnapshot, StoreTransaction } from '../store/port.js';
import { resolveProfileName } from '../store/profile-names.js';
import { type EnvVariable, envCredentials } from './env-credentials.js';
import {
  DEFAULT_MIN_TTL_SECONDS,
  hasTimeLeft,
  sameRef,
  tokensOf,
  withRefreshToken,
  withTokens,
} from './token-policy.js';

/**
 * A valid access token, from wherever the user keeps credentials:
 * - the environment alone (CI): PODIO_ACCESS_TOKEN as is; PODIO_REFRESH_TOKEN or PODIO_APP_ID + PODIO_APP_TOKEN
 *   with the client credentials, exchanged on every call; no store read or written;
 * - else a stored profile: its token while it has time left, else a refreshed one. The refresh happens under the
 *   store's lock, on the profile read again after taking it, so that of many processes finding the same expired
 *   token only the first refreshes and the rest take its result.
 *
 * What Podio answers to a refresh is stored before anything else happens: a first Ctrl-C waits for it (the request
 * runs under `forceSignal`), and a new refresh token is kept even when the rest of the answer is unusable.
 */

export type TokenSource =
  | { kind: 'profile'; name: string; profile: ProfileRecord; location: string }
  | { kind: 'env'; variable: EnvVariable };

export interface FreshToken {
  tokens: TokenSet;
  source: TokenSource;
  refreshed: boolean;
}

export interface GetTokenInput {
  /** `--profile`: when given, the profile is used even if credentials are in the environment. */
  profile?: string | undefined;
  /** `--min-ttl`: the token must live at least this long. Default: five minutes, softened for short-lived tokens. */
  minTtlSeconds?: number | undefined;
  /** A token Podio just rejected as expired: refresh, unless another process has already replaced it. */
  rejectedToken?: string | undefined;
  /**
   * Env-only mode: refresh from this refresh token instead of PODIO_REFRESH_TOKEN's, which Podio may have rotated
   * away since (the podio-js session store keeps the newest in memory).
   */
  envRefreshToken?: string | undefined;
}

export type TokenDeps = Pick<
  Deps,
  'env' | 'http' | 'now' | 'signal' | 'forceSignal' | 'critical' | 'store' | 'secrets' | 'debug'
> & {
  /** Where a warning goes (a rotated env-only refresh token); none in quiet callers. */
  warn?: ((text: string) => void) | undefined;
};

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

function loginHint(name: string): string {
  return name === 'default'
    ? 'Run `podio-auth login` to log in.'
    : `Run \`podio-auth login --profile ${name}\` to log in.`;
}

export function notLoggedIn(name: string): PodioAuthError {
  return new PodioAuthError('not_logged_in', `Not logged in (profile "${name}").`, { hint: loginHint(name) });
}

/** The profile is not in the store: a typo (other profiles exist), or nobody has logged in yet. */
export function missingProfile(name: string, snapshot: StoreSnapshot, store: ProfileStore): PodioAuthError {
  const names = [...snapshot.profiles.keys()].sort();
  if (names.length === 0) {
    // Worded so that it holds whether or not the file (or the Redis key) exists yet.
    return new PodioAuthError(
      'not_logged_in',
      `Not logged in: no profile is stored yet (looked in ${store.location}).`,
      {
        hint: loginHint(name),
      },
    );
  }
  return new PodioAuthError('unknown_profile', `There is no profile "${name}". Profiles: ${names.join(', ')}.`, {
    hint: `Choose one with --profile, or log in to create it: \`podio-auth login --profile ${name}\`.`,
  });
}

/**
 * Reads the profile a command is about: its name by the usual precedence, the store that holds it (a pointer in
 * config.json may lead to Redis), and the record whole.
 */
export async function readProfile(
  flag: string | undefined,
  deps: Pick<TokenDeps, 'env' | 'store' | 'signal' | 'secrets'>,
): Promise<{ name: string; profile: ProfileRecord; store: ProfileStore }> {
  const snapshot = await deps.store.read(deps.signal);
  const name = resolveProfileName(flag, deps.env, snapshot.defaultProfile);
  if (!snapshot.profiles.has(name)) throw missingProfile(name, snapshot, deps.store);
  const store = await deps.store.storeFor(name, deps.signal);
  const profile = await store.getProfile(name, deps.signal);
  if (!profile) throw missingProfile(name, store === deps.store ? snapshot : await store.read(deps.signal), store);
  deps.secrets.addProfile(profile);
  return { name, profile, store };
}

function canRedoGrant(profile: ProfileRecord): boolean {
  return Boolean(profile.app_id && profile.app_token);
}

async function tokenFromProfile(input: GetTokenInput, deps: TokenDeps): Promise<FreshToken> {
  const ttl = { seconds: input.minTtlSeconds ?? DEFAULT_MIN_TTL_SECONDS, strict: input.minTtlSeconds !== undefined };
  const { name, profile, store } = await readProfile(input.profile, deps);
  const stored = tokensOf(profile);
  if (!stored && !profile.refresh_token && !canRedoGrant(profile)) throw notLoggedIn(name);
  const source = (record: ProfileRecord): TokenSource => ({
    kind: 'profile',
    name,
    profile: record,
    location: store.location,
  });
  if (stored && input.rejectedToken === undefined && hasTimeLeft(profile, deps.now(), ttl.seconds, ttl.strict)) {
    return { tokens: stored, source: source(profile), refreshed: false };
  }
  deps.debug(`profile "${name}" needs a refresh: waiting for the lock of ${store.location}`);
  const onStore = { ...deps, store };
  return store.transact(deps.signal, async (tx) => {
    deps.debug('took the lock');
    const fresh = await tx.getProfile(name);
    if (!fresh) throw notLoggedIn(name);
    deps.secrets.addProfile(fresh);
    const current = tokensOf(fresh);
    if (current) {
      const now = deps.now();
      const replaced = current.accessToken !== (input.rejectedToken ?? stored?.accessToken);
      // Another process refreshed while this one waited for the lock: its token is taken if it has time left
      // (when tokens are short-lived and the queue long, even with less than the usual margin), unless
      // --min-ttl asked for more.
      const takeIt = replaced && (ttl.strict ? hasTimeLeft(fresh, now, ttl.seconds, true) : hasTimeLeft(fresh, now, 0));
      const stillGood = input.rejectedToken === undefined && hasTimeLeft(fresh, now, ttl.seconds, ttl.strict);
      if (takeIt || stillGood) return { tokens: current, source: source(fresh), refreshed: false };
    }
    const next = await refreshProfile(name, fresh, tx, onStore);
    if (ttl.strict && !hasTimeLeft(next, deps.now(), ttl.seconds, true)) {
      const lifetime = Math.round((Date.parse(next.expires_at ?? '') - deps.now().getTime()) / 1000);
      throw new PodioAuthError(
        'ttl_too_long',
        `Podio's tokens live ${lifetime} s, less than the ${ttl.seconds} s asked for with --min-ttl.`,
      );
    }
    return { tokens: tokensOf(next) as TokenSet, source: source(next), refreshed: true };
  });
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

/** Refreshes (or redoes the app grant) and stores the answer; returns the stored profile. Runs under the lock. */
async function refreshProfile(
  name: string,
  profile: ProfileRecord,
  tx: StoreTransaction,
  deps: TokenDeps,
): Promise<ProfileRecord> {
  const client = profileClient(profile, name);
  const apiOrigin = apiOriginFor(profile, deps.env);
  const appGrant: Grant | undefined =
    profile.app_id && profile.app_token
      ? { grant_type: 'app', app_id: profile.app_id, app_token: profile.app_token }
      : undefined;
  const exchange = (grant: Grant) => exchangeAndStore(name, profile, grant, { client, apiOrigin, tx }, deps);
  if (profile.refresh_token) {
    try {
      return await exchange({ grant_type: 'refresh_token', refresh_token: profile.refresh_token });
    } catch (error) {
      // An app login can start over without a person; any other login needs one.
      if (appGrant && isErrorCode(error, 'refresh_rejected')) return exchange(appGrant);
      if (isErrorCode(error, 'refresh_rejected') && tx.tookOverSilentHolder) {
        throw new PodioAuthError(
          'refresh_rejected_after_takeover',
          `${error.message.replace(/\.$/, '')}; a podio-auth that stopped while refreshing profile "${name}" may ` +
            'have replaced it, and may yet store the new one.',
          { podio: error.podio },
        );
      }
      if (isErrorCode(error, 'refresh_rejected')) {
        throw new PodioAuthError(
          'refresh_rejected',
          `${error.message.replace(/\.$/, '')}, so profile "${name}" must log in again.`,
          {
            hint: loginHint(name),
            podio: error.podio,
          },
        );
      }
      throw error;
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

interface ExchangeContext {
  client: ClientCredentials;
  apiOrigin: string;
  tx: StoreTransaction;
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
  await tx.reserveWrite?.();
  const now = deps.now();
  deps.debug(`${grant.grant_type} grant: POST ${apiOrigin}/oauth/token/v2`);
  const answer: TokenAnswer = await sendGrant(deps, apiOrigin, client, grant, now);
  const sentRefresh = grant.grant_type === 'refresh_token' ? grant.refresh_token : undefined;
  const store = (next: ProfileRecord, newRefresh: string | undefined) =>
    storeAnswer(name, profile, next, newRefresh !== undefined && newRefresh !== sentRefresh, tx, deps);
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

/**
 * Writes what Podio answered; returns the profile as stored. If this process lost the lock meanwhile (it was
 * stopped, or too slow, and another took over), it writes only if nobody changed the profile since it read it:
 * compare and set, under the lock taken again. Otherwise the other process's newer token stands (and is used).
 * If the write fails after Podio rotated the refresh token, the login is lost (unless the write landed anyway):
 * say so.
 */
async function storeAnswer(
  name: string,
  before: ProfileRecord,
  next: ProfileRecord,
  rotated: boolean,
  tx: StoreTransaction,
  deps: TokenDeps,
): Promise<ProfileRecord> {
  try {
    try {
      await tx.writeProfile(name, next);
      return next;
    } catch (error) {
      if (!isErrorCode(error, 'lock_lost')) throw error;
      return await deps.store.transact(deps.forceSignal, async (again) => {
        const current = await again.getProfile(name);
        if (
          current !== undefined &&
          current.refresh_token === before.refresh_token &&
          current.access_token === before.access_token
        ) {
          await again.writeProfile(name, next);
          return next;
        }
        if (current && hasTimeLeft(current, deps.now(), 0)) return current;
        throw error;
      });
    }
  } catch (error) {
    if (!rotated || !(error instanceof PodioAuthError) || error.code === 'lock_lost') throw error;
    if (await landedAnyway(name, next, deps)) return next;
    const why = error.message.replace(/\.$/, '');
    const login = `\`podio-auth login${name === 'default' ? '' : ` --profile ${name}`}\``;
    // A store that did not answer may still carry out the write it was sent (a Redis that was only stopped).
    if (UNCERTAIN_STORE_FAILURES.has(error.code)) {
      throw new PodioAuthError(
        'rotated_token_lost',
        `Podio replaced the refresh token of profile "${name}", but the store did not confirm that it kept the new one (${why}); it may still have it.`,
        {
          cause: error,
          hint: `Run the command again once the store answers; if Podio then rejects the refresh token, run ${login}.`,
        },
      );
    }
    throw new PodioAuthError(
      'rotated_token_lost',
      `Podio replaced the refresh token of profile "${name}", but the new one could not be stored (${why}); the old one may no longer work, so a new login will be needed.`,
      { cause: error, hint: `Fix the store, then run ${login}.` },
    );
  }
}

/** Failures after which a write may still land: the store was sent it and did not answer. */
const UNCERTAIN_STORE_FAILURES: ReadonlySet<string> = new Set(['redis_unavailable', 'keyring_unavailable']);

/** How long the look at whether a failed write landed anyway may take: it runs on a store that just failed. */
const LANDED_CHECK_MS = 5_000;

/**
 * Whether a write that failed did land: a write whose answer never came (a stalled reply, a connection dropped
 * after the command went out) may have. Then the new refresh token is stored, the next command works, and telling
 * the user to log in again would be wrong. A store that cannot be read now counts as "not landed".
 */
async function landedAnyway(name: string, next: ProfileRecord, deps: TokenDeps): Promise<boolean> {
  try {
    const signal = AbortSignal.any([deps.forceSignal, AbortSignal.timeout(LANDED_CHECK_MS)]);
    const stored = await deps.store.getProfile(name, signal);
    const landed = stored?.refresh_token === next.refresh_token && stored?.access_token === next.access_token;
    if (landed) deps.debug(`the write of profile "${name}" failed, yet what Podio sent is stored`);
    return landed;
  } catch {
    return false;
  }
}

function envClient(env: Deps['env'], forWhat: string): ClientCredentials {
  const clientId = envValue(env, 'PODIO_CLIENT_ID');
  const clientSecret = envValue(env, 'PODIO_CLIENT_SECRET');
  if (!clientId || !clientSecret) {
    throw new PodioAuthError('usage', `${forWhat} needs PODIO_CLIENT_ID and PODIO_CLIENT_SECRET as well.`, {
      hint: 'Set both, or use a stored profile (`podio-auth login`).',
    });
  }
  return { clientId, clientSecret };
}

function envToken(env: Deps['env'], name: string): string {
  const value = envValue(env, name) ?? '';
  if (!isTokenText(value)) throw new PodioAuthError('usage', `${name} has characters a token cannot have.`);
  return value;
}

/** Podio's rejection of credentials from the environment: the fix is the variable, not `podio-auth login`. */
function envRejected(error: unknown, variable: string): never {
  if (isErrorCode(error, 'refresh_rejected', 'app_rejected')) {
    throw new PodioAuthError('env_credentials_rejected', `${error.message.replace(/\.$/, '')} given in ${variable}.`, {
      hint:
        variable === 'PODIO_REFRESH_TOKEN'
          ? 'It may have been used and rotated elsewhere: export a fresh one (`podio-auth export`) into the CI secret, or use an app login.'
          : 'Check PODIO_APP_ID and PODIO_APP_TOKEN.',
      podio: error.podio,
    });
  }
  if (isErrorCode(error, 'client_rejected')) {
    throw new PodioAuthError('env_credentials_rejected', error.message, {
      hint: 'Check PODIO_CLIENT_ID and PODIO_CLIENT_SECRET.',
      podio: error.podio,
    });
  }
  throw error;
}

async function tokenFromEnv(variable: EnvVariable, input: GetTokenInput, deps: TokenDeps): Promise<FreshToken> {
  const { env } = deps;
  const source: TokenSource = { kind: 'env', variable };
  if (variable === 'PODIO_ACCESS_TOKEN') {
    const accessToken = envToken(env, 'PODIO_ACCESS_TOKEN');
    if (input.rejectedToken === accessToken) {
      throw new PodioAuthError(
        'env_credentials_rejected',
        'Podio rejected the access token given in PODIO_ACCESS_TOKEN (expired or revoked).',
        {
          hint: 'Update PODIO_ACCESS_TOKEN, or give PODIO_REFRESH_TOKEN or an app login instead.',
        },
      );
    }
    // Given as is: its expiry is unknown, and nothing here can renew it.
    return { tokens: { accessToken, tokenType: 'bearer', expiresAt: '' }, source, refreshed: false };
  }
  const apiOrigin = apiOriginFor(undefined, env);
  const grant: Grant =
    variable === 'PODIO_REFRESH_TOKEN'
      ? { grant_type: 'refresh_token', refresh_token: input.envRefreshToken ?? envToken(env, 'PODIO_REFRESH_TOKEN') }
      : { grant_type: 'app', app_id: envToken(env, 'PODIO_APP_ID'), app_token: envToken(env, 'PODIO_APP_TOKEN') };
  const client = envClient(
    env,
    variable === 'PODIO_REFRESH_TOKEN' ? 'PODIO_REFRESH_TOKEN' : 'PODIO_APP_ID and PODIO_APP_TOKEN',
  );
  let answer: TokenAnswer;
  try {
    // Marked critical for the library's refresh gate, but never as sent: nothing is stored in env-only mode, so
    // a first Ctrl-C need not wait for the answer.
    answer = await deps.critical(() => requestToken(deps.http, apiOrigin, client, grant, deps.now(), deps.signal));
  } catch (error) {
    envRejected(error, variable);
  }
  if (answer.kind === 'unusable') throw answer.error;
  const { tokens } = answer;
  deps.secrets.add(tokens.accessToken);
  deps.secrets.add(tokens.refreshToken);
  if (grant.grant_type === 'refresh_token' && tokens.refreshToken && tokens.refreshToken !== grant.refresh_token) {
    deps.warn?.(
      'Podio answered with a new refresh token, so the one in PODIO_REFRESH_TOKEN may no longer work. An app login (`podio-auth login --app`) is sturdier for unattended jobs.',
    );
  }
  return { tokens, source, refreshed: true };
}
