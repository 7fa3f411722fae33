import { PodioAuthError } from '../errors.js';
import type { RequestPlan, Stage } from './plan.js';

/**
 * The errors a request ends with, each naming the party at fault (the proxy or the origin) and what to do. Kept
 * apart from the sockets so the wording can be read, and tested, in one place.
 */

const MAX_BODY_BYTES = 1024 * 1024;

/** The request's deadline passed at `stage`. */
export function deadlineError(plan: RequestPlan, stage: Stage): PodioAuthError {
  const seconds = `${Number((plan.timeoutMs / 1000).toFixed(3))} s`;
  if (plan.proxy && stage === 'to-proxy') return proxyFailed(plan, `did not accept a connection within ${seconds}`);
  if (plan.proxy && stage === 'tunnel') return proxyFailed(plan, `did not answer CONNECT within ${seconds}`);
  const what = stage === 'answer' ? 'finish its answer' : 'answer';
  return new PodioAuthError('timeout', `${plan.target.url.host} did not ${what} within ${seconds}${via(plan)}.`);
}

/** A socket failed (or was closed by the other end) at `stage`. */
export function socketError(plan: RequestPlan, stage: Stage, error: unknown): PodioAuthError {
  const code = findCode(error);
  if (plan.proxy && stage === 'to-proxy') {
    return proxyFailed(plan, `could not be reached: ${describeNetworkCode(code)}`, error);
  }
  if (plan.proxy && stage === 'tunnel') {
    // A reset arrives as `read ECONNRESET`; a plain hang-up as a 'close' without an error.
    const how = code === 'ECONNRESET' && (error as { syscall?: unknown }).syscall === 'read' ? 'reset' : 'closed';
    return proxyFailed(plan, `${how} the connection after CONNECT`, error);
  }
  const reason =
    stage === 'answer' ? 'the connection was closed before the whole answer came' : describeNetworkCode(code);
  return new PodioAuthError('network', `Could not reach ${plan.target.url.host}${via(plan)}: ${reason}.`, {
    cause: error,
  });
}

/** The proxy failed as `what` says ("refused the tunnel: HTTP 502"). */
export function proxyFailed(plan: RequestPlan, what: string, cause?: unknown, hint?: string): PodioAuthError {
  return new PodioAuthError('proxy_failed', `The proxy ${plan.proxy?.display ?? ''} ${what}.`, {
    cause,
    hint:
      hint ?? `Check the proxy in ${plan.proxy?.variable ?? 'HTTPS_PROXY'}, or add ${plan.target.host} to NO_PROXY.`,
  });
}

/** The proxy asked for credentials (HTTP 407): the ones in its URL are wrong, or missing. */
export function proxyCredentialsRefused(plan: RequestPlan, what: string): PodioAuthError {
  const hint = `Check the user name and password in ${plan.proxy?.variable ?? 'the proxy URL'}.`;
  return proxyFailed(plan, what, undefined, hint);
}

/** The largest answer a request takes. */
export function answerLimitBytes(plan: RequestPlan): number {
  return plan.request.answerLimit?.bytes ?? MAX_BODY_BYTES;
}

export function answerTooLarge(plan: RequestPlan): PodioAuthError {
  const { answerLimit } = plan.request;
  const limit = describeBytes(answerLimitBytes(plan));
  return new PodioAuthError('bad_response', `${plan.target.url.host} sent an answer larger than ${limit}.`, {
    ...(answerLimit ? { hint: answerLimit.hint } : {}),
  });
}

function describeBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`;
}

function via(plan: RequestPlan): string {
  return plan.proxy ? ` through the proxy ${plan.proxy.display}` : '';
}

/** The first `code` along an error's chain of causes. */
export function findCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** What a Node network error code means, in words a user can act on. */
export function describeNetworkCode(code: string | undefined): string {
  switch (code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the connection was closed before an answer came';
    case 'ECONNREFUSED':
      return 'the connection was refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return 'the host name could not be resolved';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return 'the network is unreachable';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `its TLS certificate is not trusted (${code})`;
    case undefined:
      return 'the request failed';
    default:
      if (code.startsWith('HPE_')) return 'the answer was not valid HTTP';
      return `the request failed (${code})`;
  }
}
