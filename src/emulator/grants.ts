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

export class GrantLedger {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly refreshTokens = new Map<string, RefreshTokenEntry>();
  private readonly accessTokens = new Map<string, { grant: Grant; expires: number }>();

  constructor(private readonly now: () => number) {}

  newGrant(ref: Ref, scopes: GrantedScope[]): Grant {
    return { ref, scopes, revoked: false };
  }

  newCode(redirectUri: string, scopes: GrantedScope[], ttlSeconds: number): string {
    const code = randomBytes(20).toString('hex');
    this.codes.set(code, { redirectUri, scopes, used: false, expires: this.now() + ttlSeconds * 1000 });
    return code;
  }

  code(code: string): AuthorizationCode | undefined {
    return this.codes.get(code);
  }

  newAccessToken(grant: Grant, lifetimeSeconds: number): string {
    const access = randomBytes(64).toString('hex');
    this.accessTokens.set(access, { grant, expires: this.now() + lifetimeSeconds * 1000 });
    return access;
  }

  newRefreshToken(grant: Grant): string {
    const token = randomBytes(32).toString('hex');
    this.refreshTokens.set(token, { grant, alive: true, expires: this.now() + REFRESH_TOKEN_SECONDS * 1000 });
    return token;
  }

  accessToken(token: string): { grant: Grant; expires: number } | undefined {
    return this.accessTokens.get(token);
  }

  refreshToken(token: string): RefreshTokenEntry | undefined {
    return this.refreshTokens.get(token);
  }

  /** A token answer for `grant`: a new access token and, unless one is kept, a new refresh token. */
  tokenAnswer(grant: Grant, lifetimeSeconds: number, keptRefreshToken?: string) {
    return {
      access_token: this.newAccessToken(grant, lifetimeSeconds),
      token_type: 'bearer',
      expires_in: lifetimeSeconds,
      refresh_token: keptRefreshToken ?? this.newRefreshToken(grant),
      scope: formatScope(grant.scopes),
      ref: grant.ref,
    };
  }

  isValidAccessToken(token: string): boolean {
    const entry = this.accessTokens.get(token);
    return entry !== undefined && !entry.grant.revoked && entry.expires > this.now();
  }

  isLiveRefreshToken(token: string): boolean {
    const entry = this.refreshTokens.get(token);
    return Boolean(entry?.alive) && entry?.grant.revoked === false && (entry?.expires ?? 0) > this.now();
  }

  /** Ends the grant an access or refresh token belongs to: its tokens are refused from then on. */
  revokeGrant(token: string): boolean {
    const grant = (this.accessTokens.get(token) ?? this.refreshTokens.get(token))?.grant;
    if (grant) grant.revoked = true;
    return grant !== undefined;
  }
}
