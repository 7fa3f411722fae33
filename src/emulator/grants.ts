import { randomBytes } from 'node:crypto';
import { REFRESH_TOKEN_SECONDS, type Ref } from './demo.js';
import { formatScope, type GrantedScope } from './scopes.js';

/**
 * The emulator's record of what it issued: authorization codes, grants and their access and refresh tokens, all
 * timed on the emulated clock. One ledger per emulator, shared by the authorize, token and API routes.
 */

/** One authorization: what its tokens may do, and whether it was ended. */
export interface Grant {
  ref: Ref;
  scopes: GrantedScope[];
  revoked: boolean;
}

/** What an API call's token stands for, as routes see it. */
export type ApiCaller = Pick<Grant, 'ref' | 'scopes'>;

export interface AuthorizationCode {
  redirectUri: string;
  scopes: GrantedScope[];
  used: boolean;
  expires: number;
}

export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface RefreshTokenEntry {
  grant: Grant;
  alive: boolean;
  expires: number;
}

/** A token endpoint's answer, as Podio gives it. */
export interface TokenAnswer extends IssuedTokens {
  token_type: string;
  scope: string;
  ref: Ref;
}

interface AccessTokenEntry {
  grant: Grant;
  expires: number;
}

export interface GrantLedger {
  newGrant(ref: Ref, scopes: GrantedScope[]): Grant;
  newCode(redirectUri: string, scopes: GrantedScope[], ttlSeconds: number): string;
  code(code: string): AuthorizationCode | undefined;
  newAccessToken(grant: Grant, lifetimeSeconds: number): string;
  newRefreshToken(grant: Grant): string;
  accessToken(token: string): AccessTokenEntry | undefined;
  refreshToken(token: string): RefreshTokenEntry | undefined;
  /** A token answer for `grant`: a new access token and, unless one is kept, a new refresh token. */
  tokenAnswer(grant: Grant, lifetimeSeconds: number, keptRefreshToken?: string): TokenAnswer;
  isValidAccessToken(token: string): boolean;
  isLiveRefreshToken(token: string): boolean;
  /** Ends the grant an access or refresh token belongs to: its tokens are refused from then on. */
  revokeGrant(token: string): boolean;
}

export function createGrantLedger(now: () => number): GrantLedger {
  const codes = new Map<string, AuthorizationCode>();
  const refreshTokens = new Map<string, RefreshTokenEntry>();
  const accessTokens = new Map<string, AccessTokenEntry>();
  const newAccessToken = (grant: Grant, lifetimeSeconds: number): string => {
    const access = randomBytes(64).toString('hex');
    accessTokens.set(access, { grant, expires: now() + lifetimeSeconds * 1000 });
    return access;
  };
  const newRefreshToken = (grant: Grant): string => {
    const token = randomBytes(32).toString('hex');
    refreshTokens.set(token, { grant, alive: true, expires: now() + REFRESH_TOKEN_SECONDS * 1000 });
    return token;
  };
  return {
    newGrant: (ref, scopes) => ({ ref, scopes, revoked: false }),
    newCode(redirectUri, scopes, ttlSeconds) {
      const code = randomBytes(20).toString('hex');
      codes.set(code, { redirectUri, scopes, used: false, expires: now() + ttlSeconds * 1000 });
      return code;
    },
    code: (code) => codes.get(code),
    newAccessToken,
    newRefreshToken,
    accessToken: (token) => accessTokens.get(token),
    refreshToken: (token) => refreshTokens.get(token),
    tokenAnswer: (grant, lifetimeSeconds, keptRefreshToken) => ({
      access_token: newAccessToken(grant, lifetimeSeconds),
      token_type: 'bearer',
      expires_in: lifetimeSeconds,
      refresh_token: keptRefreshToken ?? newRefreshToken(grant),
      scope: formatScope(grant.scopes),
      ref: grant.ref,
    }),
    isValidAccessToken(token) {
      const entry = accessTokens.get(token);
      return entry !== undefined && !entry.grant.revoked && entry.expires > now();
    },
    isLiveRefreshToken(token) {
      const entry = refreshTokens.get(token);
      return Boolean(entry?.alive) && entry?.grant.revoked === false && (entry?.expires ?? 0) > now();
    },
    revokeGrant(token) {
      const grant = (accessTokens.get(token) ?? refreshTokens.get(token))?.grant;
      if (grant) grant.revoked = true;
      return grant !== undefined;
    },
  };
}
