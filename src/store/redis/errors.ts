import { interrupted, PodioAuthError } from '../../errors.js';
import type { RedisTarget } from './url.js';

/**
 * What a failed Redis call means for the user: node-redis's errors turned into PodioAuthError with a hint. Never
 * repeats a reply's text, which may quote a command's arguments (a profile's JSON).
 */

/** node-redis's error classes this module tells apart; given by the loaded client, so this file never loads it. */
export type RedisErrorKinds = Pick<
  typeof import('redis'),
  | 'ErrorReply'
  | 'ConnectionTimeoutError'
  | 'TimeoutError'
  | 'SocketClosedUnexpectedlyError'
  | 'ClientClosedError'
  | 'ClientOfflineError'
>;

/** Connecting (the handshake included) took longer than the timeout. */
export class ConnectDeadline extends Error {}
/** A command was written and its reply did not come within the timeout. */
export class NoReply extends Error {}

/** What a message needs to know about the call that failed. */
export interface FailedCall {
  target: RedisTarget;
  timeoutMs: number;
  /** The caller's signal: once it aborted, any failure is `interrupted`. */
  signal: AbortSignal | undefined;
}

const UNAVAILABLE_HINT = 'Check that the Redis server is running and reachable, and the URL in PODIO_AUTH_STORE.';
const AUTH_HINT =
  'Check the user name and password in the Redis URL (redis://user:password@host:port), and that this ACL user may ' +
  'run GET, SET, DEL, SADD, SREM, SMEMBERS, PEXPIRE, PTTL and EVAL on the keys under the prefix.';

const unavailable = (message: string, cause: unknown, hint = UNAVAILABLE_HINT): PodioAuthError =>
  new PodioAuthError('redis_unavailable', message, { hint, cause });

export function mapRedisError(error: unknown, call: FailedCall, kinds: RedisErrorKinds): PodioAuthError {
  if (error instanceof PodioAuthError) return error;
  if (call.signal?.aborted) return interrupted(undefined, call.signal.reason);
  const where = `Redis at ${call.target.address}`;
  if (error instanceof kinds.ErrorReply) return refusal(error, where, call.target);
  if (error instanceof ConnectDeadline || error instanceof kinds.ConnectionTimeoutError) {
    return unavailable(`Could not connect to ${where} within ${formatMs(call.timeoutMs)}.`, error);
  }
  if (error instanceof NoReply || error instanceof kinds.TimeoutError) {
    return unavailable(`${where} did not answer within ${formatMs(call.timeoutMs)}.`, error);
  }
  const errno = errnoOf(error);
  if (errno !== undefined) {
    if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(errno)) {
      const hint = "Check the server's certificate; a private CA goes in NODE_EXTRA_CA_CERTS.";
      return unavailable(`The TLS connection to ${where} failed (${errno}).`, error, hint);
    }
    return unavailable(`Could not reach ${where} (${errno}).`, error);
  }
  const closed = [kinds.SocketClosedUnexpectedlyError, kinds.ClientClosedError, kinds.ClientOfflineError];
  if (closed.some((kind) => error instanceof kind)) return unavailable(`${where} closed the connection.`, error);
  const kind = error instanceof Error ? error.constructor.name : 'unknown error';
  return unavailable(`The connection to ${where} failed (${kind}).`, error);
}

/** Redis answered with an error: named by its code (WRONGPASS, NOPERM, READONLY…), never by its text. */
function refusal(error: Error, where: string, target: RedisTarget): PodioAuthError {
  const auth = (message: string): PodioAuthError =>
    new PodioAuthError('redis_auth', message, { hint: AUTH_HINT, cause: error });
  const code = /^[A-Z]+/.exec(error.message)?.[0] ?? 'ERR';
  const user = target.username === undefined ? 'the default user' : `the user "${target.username}"`;
  switch (code) {
    case 'WRONGPASS':
      return auth(`${where} rejected the user name or password (WRONGPASS).`);
    case 'NOAUTH':
      return auth(`${where} requires a password, and the store URL gives none (NOAUTH).`);
    case 'NOPERM':
      return auth(`${where} does not allow ${user} a command or a key this store needs (NOPERM).`);
    case 'READONLY':
      return unavailable(
        `${where} is a read-only replica (READONLY).`,
        error,
        'Point PODIO_AUTH_STORE at the primary.',
      );
    case 'LOADING':
      return unavailable(`${where} is still loading its data (LOADING).`, error, 'Try again in a moment.');
    case 'OOM': {
      const hint = 'Free memory on the server or raise its maxmemory.';
      return unavailable(`${where} is out of memory (OOM).`, error, hint);
    }
    case 'MISCONF': {
      const message = `${where} refuses writes: it cannot save to disk (MISCONF).`;
      return unavailable(message, error, 'Check its log and disk.');
    }
    case 'BUSY':
      return unavailable(`${where} is busy running a script (BUSY).`, error, 'Try again in a moment.');
    default:
      if (/^ERR AUTH\b.*without any password configured/i.test(error.message)) {
        return auth(`${where} has no password set, yet the store URL gives one.`);
      }
      return unavailable(`${where} refused a command (${code}).`, error);
  }
}

/** Redis refused the command (an error reply such as NOPERM), as opposed to the connection failing. */
export function isRefusal(error: unknown, kinds: RedisErrorKinds): boolean {
  return error instanceof PodioAuthError && error.cause instanceof kinds.ErrorReply;
}

const DROPPED_ERRNOS: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ECONNREFUSED']);

/** The failure was the connection going away (or not coming back yet), not Redis refusing or a silent server. */
export function connectionDropped(error: unknown, kinds: RedisErrorKinds): boolean {
  const cause = error instanceof PodioAuthError ? error.cause : error;
  if (cause instanceof kinds.SocketClosedUnexpectedlyError) return true;
  const errno = errnoOf(cause);
  return errno !== undefined && DROPPED_ERRNOS.has(errno);
}

function errnoOf(error: unknown): string | undefined {
  const errno = (error as { code?: unknown } | null)?.code;
  return typeof errno === 'string' ? errno : undefined;
}

function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
