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

export class KnownTokens {
  latest: Latest | undefined;
  /** Refresh tokens podio-js could have read through this store, oldest first. */
  readonly held = new Set<string>();
  /** Orders what the store saw: each read starts, and each write-back ends, at a higher number. */
  private clock = 0;
  private adoptedAt = 0;

  /** A new moment, taken when a read of the store starts or a write-back ends. */
  nextMoment(): number {
    return ++this.clock;
  }

  /**
   * Makes `tokens` the newest known, unless something newer was adopted since `seen` (the moment the store was
   * read for them). Returns whether they were adopted.
   */
  adopt(tokens: TokenSet, seen: number, obtainedAt: string): boolean {
    if (seen <= this.adoptedAt) return false;
    this.adoptedAt = seen;
    const expires = Date.parse(tokens.expiresAt);
    this.latest = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: Number.isFinite(expires) ? expires : undefined,
      ref: tokens.ref,
      scope: tokens.scope,
      marginMs: refreshMarginMs({ obtained_at: obtainedAt, expires_at: tokens.expiresAt }, DEFAULT_MIN_TTL_SECONDS),
    };
    this.hold(tokens.refreshToken);
    return true;
  }

  private hold(refreshToken: string | undefined): void {
    if (!refreshToken) return;
    this.held.delete(refreshToken);
    this.held.add(refreshToken);
    for (const oldest of this.held) {
      if (this.held.size <= HELD_TOKENS_KEPT) break;
      this.held.delete(oldest);
    }
  }
}
