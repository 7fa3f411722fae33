import type { ProfileRecord } from '../domain/profile.js';
import type { TokenSet } from '../podio/token-client.js';

/** When a stored access token is still good enough to hand out, and when it must be refreshed first. */

/** A token handed out must live at least this long, so the caller can still use it. */
export const DEFAULT_MIN_TTL_SECONDS = 300;

/**
 * The margin to keep before expiry. Usually `minTtl`; for tokens that live less than twice that (a test
 * server's, say), half their lifetime, or every call would refresh. `strict`: asked for explicitly (`--min-ttl`).
 */
export function refreshMarginMs(profile: ProfileRecord, minTtlSeconds: number, strict = false): number {
  const margin = minTtlSeconds * 1000;
  if (strict) return margin;
  const obtained = profile.obtained_at ? Date.parse(profile.obtained_at) : NaN;
  const expires = profile.expires_at ? Date.parse(profile.expires_at) : NaN;
  if (Number.isFinite(obtained) && Number.isFinite(expires) && expires > obtained) {
    return Math.min(margin, (expires - obtained) / 2);
  }
  return margin;
}

export function hasTimeLeft(profile: ProfileRecord, now: Date, minTtlSeconds: number, strict = false): boolean {
  const expires = profile.expires_at ? Date.parse(profile.expires_at) : NaN;
  return Number.isFinite(expires) && expires - now.getTime() > refreshMarginMs(profile, minTtlSeconds, strict);
}

/** The stored access token of a profile, if it has one. */
export function tokensOf(profile: ProfileRecord | undefined): TokenSet | undefined {
  if (!profile?.access_token || !profile.expires_at) return undefined;
  const tokens: TokenSet = {
    accessToken: profile.access_token,
    tokenType: profile.token_type ?? 'bearer',
    expiresAt: profile.expires_at,
  };
  if (profile.refresh_token) tokens.refreshToken = profile.refresh_token;
  if (profile.scope) tokens.scope = profile.scope;
  if (profile.ref) tokens.ref = profile.ref;
  return tokens;
}

/**
 * A profile with a new token set, obtained at `now`. A refresh that brings no new refresh token keeps the old one
 * (Podio may or may not rotate them); one that brings a new one replaces it and restarts its 28 days.
 */
export function withTokens(profile: ProfileRecord, tokens: TokenSet, now: Date): ProfileRecord {
  const next: ProfileRecord = {
    ...profile,
    access_token: tokens.accessToken,
    token_type: tokens.tokenType,
    expires_at: tokens.expiresAt,
    obtained_at: now.toISOString(),
  };
  if (tokens.refreshToken !== undefined) return withRefreshToken(next, tokens.refreshToken, now, tokens);
  return withDetails(next, tokens);
}

/** Only a new refresh token (from an answer whose other parts were unusable): the login survives. */
export function withRefreshToken(
  profile: ProfileRecord,
  refreshToken: string,
  now: Date,
  tokens?: TokenSet,
): ProfileRecord {
  const next: ProfileRecord = { ...profile };
  if (refreshToken !== profile.refresh_token) {
    next.refresh_token = refreshToken;
    next.refresh_obtained_at = now.toISOString();
  }
  return tokens ? withDetails(next, tokens) : next;
}

function withDetails(profile: ProfileRecord, tokens: TokenSet): ProfileRecord {
  const next = { ...profile };
  if (tokens.scope !== undefined) next.scope = tokens.scope;
  if (tokens.ref !== undefined) next.ref = tokens.ref;
  return next;
}

/** Whether an answer is for the same user or app as the profile (a profile without `ref` takes any). */
export function sameRef(profile: ProfileRecord, tokens: TokenSet): boolean {
  if (!profile.ref || !tokens.ref) return true;
  return profile.ref.type === tokens.ref.type && String(profile.ref.id) === String(tokens.ref.id);
}
