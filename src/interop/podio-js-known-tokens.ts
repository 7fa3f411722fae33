import type { TokenRef, TokenSet } from '../podio/token-client.js';
import { DEFAULT_MIN_TTL_SECONDS, refreshMarginMs } from '../usecases/token-policy.js';

/**
 * What the podio-js session store knows of its tokens: the newest one (which every live `authObject` shows), and
 * the refresh tokens podio-js could have read (the ones a refresh of its own can start from). Moments are
 * numbered so that a look at the profile that began before a write-back finished cannot bring back the token that
 * write-back replaced.
 */

/** How many of the refresh tokens podio-js could have read are remembered, to recognise where it refreshed from. */
export const HELD_TOKENS_KEPT = 32;

/** The newest token this store knows. */
export interface Latest {
  accessToken: string;
  refreshToken: string | undefined;
  /** Milliseconds since the epoch; undefined when unknown. */
  expiresAt: number | undefined;
  ref: TokenRef | undefined;
  scope: string | undefined;
  /** How long before `expiresAt` the token is refreshed: as `podio-auth token` does, 5 min or half its life. */
  marginMs: number;
}

export interface KnownTokens {
  /** The newest token adopted; undefined until the first. */
  readonly latest: Latest | undefined;
  /** Refresh tokens podio-js could have read through this store, oldest first. */
  readonly held: ReadonlySet<string>;
  /** A new moment, taken when a read of the store starts or a write-back ends. */
  nextMoment(): number;
  /**
   * Makes `tokens` the newest known, unless something newer was adopted since `seen` (the moment the store was
   * read for them). Returns whether they were adopted.
   */
  adopt(tokens: TokenSet, seen: number, obtainedAt: string): boolean;
}

export function createKnownTokens(): KnownTokens {
  let latest: Latest | undefined;
  const held = new Set<string>();
  // Orders what the store saw: each read starts, and each write-back ends, at a higher number.
  let clock = 0;
  let adoptedAt = 0;
  return {
    get latest() {
      return latest;
    },
    held,
    nextMoment: () => ++clock,
    adopt(tokens, seen, obtainedAt) {
      if (seen <= adoptedAt) return false;
      adoptedAt = seen;
      latest = latestOf(tokens, obtainedAt);
      hold(held, tokens.refreshToken);
      return true;
    },
  };
}

function latestOf(tokens: TokenSet, obtainedAt: string): Latest {
  const expires = Date.parse(tokens.expiresAt);
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: Number.isFinite(expires) ? expires : undefined,
    ref: tokens.ref,
    scope: tokens.scope,
    marginMs: refreshMarginMs({ obtained_at: obtainedAt, expires_at: tokens.expiresAt }, DEFAULT_MIN_TTL_SECONDS),
  };
}

/** Remembers `refreshToken` as the newest held, forgetting the oldest beyond `HELD_TOKENS_KEPT`. */
function hold(held: Set<string>, refreshToken: string | undefined): void {
  if (!refreshToken) return;
  held.delete(refreshToken);
  held.add(refreshToken);
  for (const oldest of held) {
    if (held.size <= HELD_TOKENS_KEPT) break;
    held.delete(oldest);
  }
}
