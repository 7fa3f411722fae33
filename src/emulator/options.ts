import { ACCESS_TOKEN_SECONDS, DEMO_CLIENT } from './demo.js';

/** The emulator's switches, and their defaults: Podio's behaviour where it is known. */

export interface EmulatorOptions {
  clientId?: string;
  clientSecret?: string;
  /** What the authorize endpoint does: show the Grant/Deny page, or answer at once as if a button was clicked. */
  decision?: 'ask' | 'grant' | 'deny';
  /** Whether the redirect carries `state` back. */
  echoState?: boolean;
  /** Whether a refresh returns a new refresh token and kills the old one. */
  rotateRefreshTokens?: boolean;
  /**
   * Lifetime of access tokens, in seconds (Podio: 8 hours). 0 makes the first access token of each grant born
   * expired, so a client's refresh-and-retry path runs at once; tokens from a refresh then live 8 hours, as Podio
   * never issues an expired token.
   */
  expiresIn?: number;
  /** Lifetime of authorization codes, in seconds. */
  codeTtlSeconds?: number;
  /** Delay before answering a grant: keeps concurrent callers overlapping, or a login in flight. */
  tokenDelayMs?: number;
  /** Which token endpoints exist. */
  endpoints?: { json?: boolean; form?: boolean };
  /** Answer every token and API request with 420, as Podio does past its rate limit. */
  rateLimited?: boolean;
  /** The `error_description` of a denial. */
  denyDescription?: string;
  /** The domain registered for the demo API key: every `redirect_uri` must be on this host. */
  domain?: string;
  /** API calls allowed per access token per hour of emulated time (Podio: 1000 per user and key). */
  rateLimit?: number;
  /** How far ahead of the real clock the emulated clock starts, in milliseconds. */
  clockOffsetMs?: number;
  /** Where to listen; `localhost` listens on 127.0.0.1 (and ::1 when it can) and names itself `localhost`. */
  host?: string;
  port?: number;
}

export type ResolvedOptions = Required<Omit<EmulatorOptions, 'endpoints' | 'host' | 'port'>> & {
  endpoints: { json: boolean; form: boolean };
};

export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  return {
    clientId: options.clientId ?? DEMO_CLIENT.clientId,
    clientSecret: options.clientSecret ?? DEMO_CLIENT.clientSecret,
    decision: options.decision ?? 'ask',
    echoState: options.echoState ?? true,
    rotateRefreshTokens: options.rotateRefreshTokens ?? true,
    expiresIn: options.expiresIn ?? ACCESS_TOKEN_SECONDS,
    codeTtlSeconds: options.codeTtlSeconds ?? 600,
    tokenDelayMs: options.tokenDelayMs ?? 0,
    rateLimited: options.rateLimited ?? false,
    denyDescription: options.denyDescription ?? 'The user denied your request.',
    endpoints: { json: options.endpoints?.json ?? true, form: options.endpoints?.form ?? true },
    domain: normalizeHost(options.domain ?? 'localhost'),
    rateLimit: options.rateLimit ?? 1000,
    clockOffsetMs: options.clockOffsetMs ?? 0,
  };
}

/** A host as the domain check compares it: lower case, without IPv6 brackets. */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}
