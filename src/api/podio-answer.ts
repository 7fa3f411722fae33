import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { PodioAuthError, type PodioFailure } from '../errors.js';
import type { HttpResponse } from '../http.js';

/**
 * What one of Podio's answers says beyond its body: a rejected token (worth one refresh), the rate-limit figures
 * (a warning when nearly used), and the failure a final answer stands for.
 */

const TOKEN_REASONS = new Set(['expired_token', 'invalid_token']);
/** A warning when fewer calls than this share of the limit are left. */
const LOW_RATE_LIMIT_SHARE = 0.1;

/** Whether a rejected token was answered with a refresh (once per command), and how that went. */
export type TokenRetry = 'none' | 'retried' | 'no-new-token';

interface PodioErrorBody {
  error?: string;
  errorDescription?: string;
}

function podioErrorBody(response: HttpResponse): PodioErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.text);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const { error, error_description: description } = parsed as Record<string, unknown>;
  return {
    ...(typeof error === 'string' ? { error } : {}),
    ...(typeof description === 'string' ? { errorDescription: description } : {}),
  };
}

/**
 * `expired_token` or `invalid_token`, from where Podio puts it: `error_description` (with `error: unauthorized`),
 * `error` itself, or the WWW-Authenticate header. Podio's own clients look at the body; the header is a fallback.
 */
export function tokenRejectionReason(response: HttpResponse): string | undefined {
  if (response.status !== 401) return undefined;
  const { error, errorDescription } = podioErrorBody(response);
  for (const candidate of [errorDescription, error]) if (candidate && TOKEN_REASONS.has(candidate)) return candidate;
  const challenge = /error="?([a-z_]+)"?/i.exec(response.headers['www-authenticate'] ?? '')?.[1];
  return challenge && TOKEN_REASONS.has(challenge) ? challenge : undefined;
}

function rateFigures(response: HttpResponse): { limit: number | undefined; remaining: number | undefined } {
  const read = (name: string) => {
    const value = response.headers[name]?.trim();
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  return { limit: read('x-rate-limit-limit'), remaining: read('x-rate-limit-remaining') };
}

/** Whether the answer gives both the limit and what is left of it. */
export function hasRateFigures(response: HttpResponse): boolean {
  const { limit, remaining } = rateFigures(response);
  return limit !== undefined && remaining !== undefined;
}

export function rateLimitWarning(response: HttpResponse): string | undefined {
  const { limit, remaining } = rateFigures(response);
  if (limit === undefined || remaining === undefined || limit === 0) return undefined;
  if (remaining >= limit * LOW_RATE_LIMIT_SHARE) return undefined;
  return `Podio's rate limit is nearly used: ${remaining} of ${limit} calls left in the current hour.`;
}

/** The error a final answer stands for, or undefined for a success (2xx). */
export function failureOf(response: HttpResponse, tokenRetry: TokenRetry): PodioAuthError | undefined {
  const { status } = response;
  if (status >= 200 && status < 300) return undefined;
  const { error, errorDescription } = podioErrorBody(response);
  const podio: PodioFailure = { status, error, errorDescription };
  if (status === 420 || status === 429) {
    const { limit, remaining } = rateFigures(response);
    const figures =
      limit !== undefined || remaining !== undefined
        ? `: ${remaining ?? 'unknown'} of ${limit ?? 'unknown'} calls left in the current hour`
        : ' (no limit figures in the answer); Podio counts calls per hour';
    return new PodioAuthError('rate_limited', `Rate limited by Podio (HTTP ${status})${figures}.`, { podio });
  }
  const reason = tokenRejectionReason(response);
  if (reason) {
    const why = tokenRetry === 'retried' ? 'even after a refresh' : 'and refreshing gave no other token';
    return new PodioAuthError('token_rejected', `Podio rejected the access token (${reason}) ${why}.`, { podio });
  }
  const said = errorDescription ?? error;
  const message = said ? `HTTP ${status}: ${sanitizeForTerminal(said)}` : `HTTP ${status}`;
  return new PodioAuthError('http_error', message, { podio });
}
