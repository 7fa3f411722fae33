/**
 * Expected failures. Each carries a stable `code` (for tests, `--json` and library users), the exit code the
 * contract gives it, and an optional hint telling the user what to do next. `main` turns them into one line on
 * stderr; anything that is not a `CliError` is a bug and is reported as such.
 */

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  loginNotCompleted: 3,
  authRequired: 4,
  /** `exec`: as a shell says it. */
  commandNotExecutable: 126,
  commandNotFound: 127,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | 'usage'
  | 'no_client_id'
  | 'not_logged_in'
  | 'refresh_rejected'
  | 'app_rejected'
  | 'password_rejected'
  | 'two_factor'
  | 'token_rejected'
  | 'client_rejected'
  | 'code_rejected'
  | 'login_denied'
  | 'login_timeout'
  | 'authorize_error'
  | 'rate_limited'
  | 'server_error'
  | 'bad_response'
  | 'podio_error'
  | 'network'
  | 'timeout'
  | 'config_unreadable'
  | 'config_unwritable'
  | 'lock_timeout'
  | 'port_in_use'
  | 'listen_failed'
  | 'interrupted';

export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, exitCode: ExitCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

export const LOGIN_HINT = 'Run `podio-auth login` to log in.';

export function usageError(message: string, hint?: string): CliError {
  return new CliError('usage', ExitCode.usage, message, hint === undefined ? {} : { hint });
}

export function interrupted(): CliError {
  return new CliError('interrupted', ExitCode.interrupted, 'Interrupted.');
}

/** True for the error an aborted `AbortSignal` raises (ours or Node's). */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR');
}
