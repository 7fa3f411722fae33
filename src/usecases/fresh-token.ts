import type { Deps } from '../deps.js';
import type { ProfileRecord } from '../domain/profile.js';
import type { TokenSet } from '../podio/token-client.js';
import type { EnvVariable } from './env-credentials.js';

/** The words of the get-token use case, shared by its steps (profile, environment, refresh under the lock). */

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

/** How long the token must still live: `strict` when asked for with --min-ttl, else softened for short lives. */
export interface MinTtl {
  seconds: number;
  strict: boolean;
}
