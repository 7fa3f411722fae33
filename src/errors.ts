/**
 * The error model. An expected failure is a `PodioAuthError` with a stable `code`; the table below is the one
 * place that decides each code's exit code and default hint. `main` turns an error into one line on stderr and
 * that exit code; library users get the same codes. Anything that is not a `PodioAuthError` is a bug.
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
  hungUp: 129,
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const LOGIN_HINT = 'Run `podio-auth login` to log in.';
const CONFIG_DIR_HINT = 'Check that the config directory is writable (PODIO_AUTH_CONFIG_DIR).';
const NETWORK_HINT = 'Check your network or proxy settings (HTTPS_PROXY, NO_PROXY), then try again.';

/** Usage: the command line or the environment is wrong. */
const usageErrors = () =>
  ({
    usage: { exit: ExitCode.usage },
    unknown_option: { exit: ExitCode.usage },
    unknown_command: { exit: ExitCode.usage },
    no_client_id: { exit: ExitCode.usage },
    ttl_too_long: { exit: ExitCode.usage },
    endpoint_refused: { exit: ExitCode.usage },
    // PODIO_API_URL names another origin than the one a profile logged in at.
    origin_mismatch: { exit: ExitCode.usage },
  }) as const;

/** A login not completed. */
const loginErrors = () =>
  ({
    login_denied: {
      exit: ExitCode.loginNotCompleted,
      hint: 'Run `podio-auth login` again and choose to grant access.',
    },
    login_timeout: {
      exit: ExitCode.loginNotCompleted,
      hint: 'Run `podio-auth login` again (use --timeout to wait longer).',
    },
  }) as const;

/** Authentication needed: none stored, or Podio refused it. */
const authErrors = () =>
  ({
    not_logged_in: { exit: ExitCode.authRequired, hint: LOGIN_HINT },
    unknown_profile: { exit: ExitCode.authRequired },
    no_refresh_token: { exit: ExitCode.authRequired, hint: LOGIN_HINT },
    profile_incomplete: { exit: ExitCode.authRequired, hint: LOGIN_HINT },
    refresh_rejected: { exit: ExitCode.authRequired, hint: LOGIN_HINT },
    // Not "log in": the process that went silent may come back and store the new login.
    // A profile logged in again elsewhere while a request for its old origin was being prepared.
    origin_changed: { exit: ExitCode.failure, hint: 'Run the command again.' },
    refresh_rejected_after_takeover: {
      exit: ExitCode.failure,
      hint: 'Run the command again in a moment; if Podio still rejects the refresh token, run `podio-auth login`.',
    },
    env_credentials_rejected: { exit: ExitCode.authRequired },
    client_rejected: {
      exit: ExitCode.authRequired,
      hint: 'Check the API key at https://podio.com/settings/api, then run `podio-auth login` again.',
    },
    code_rejected: {
      exit: ExitCode.authRequired,
      hint: 'Codes are single-use and expire quickly. Run `podio-auth login` again.',
    },
    app_rejected: {
      exit: ExitCode.authRequired,
      hint: "The app token is on the app's page in Podio: wrench icon, Developer.",
    },
    password_rejected: {
      exit: ExitCode.authRequired,
      hint: 'Check them, or log in through the browser: `podio-auth login`.',
    },
    two_factor: { exit: ExitCode.authRequired, hint: 'Log in through the browser instead: `podio-auth login`.' },
    token_rejected: { exit: ExitCode.authRequired, hint: LOGIN_HINT },
  }) as const;

/** Failures: the network, Podio, the stores, the files. */
const failures = () =>
  ({
    app_token_not_user: { exit: ExitCode.failure },
    authorize_error: {
      exit: ExitCode.failure,
      hint: "Check the client id, the scope and the API key's domain, then run `podio-auth login` again.",
    },
    rate_limited: {
      exit: ExitCode.failure,
      hint: 'Podio counts calls per user and API key per hour; try again later.',
    },
    server_error: { exit: ExitCode.failure, hint: "This is on Podio's side. Try again later." },
    bad_response: { exit: ExitCode.failure, hint: 'Nothing was stored. Try again later.' },
    unusable_token_answer: { exit: ExitCode.failure, hint: 'The login is kept; try again later.' },
    podio_error: { exit: ExitCode.failure },
    http_error: { exit: ExitCode.failure },
    pagination_failed: { exit: ExitCode.failure },
    session_mismatch: {
      exit: ExitCode.failure,
      hint: "Give the podio-js session store only to a client that uses the profile's login.",
    },
    network: { exit: ExitCode.failure, hint: NETWORK_HINT },
    timeout: { exit: ExitCode.failure, hint: NETWORK_HINT },
    proxy_failed: {
      exit: ExitCode.failure,
      hint: 'Check the proxy in HTTPS_PROXY / HTTP_PROXY, or add the host to NO_PROXY.',
    },
    config_invalid: {
      exit: ExitCode.failure,
      hint: 'It was left as it is. Fix it, or move it aside and run `podio-auth login` again.',
    },
    config_unwritable: { exit: ExitCode.failure, hint: CONFIG_DIR_HINT },
    no_config_dir: {
      exit: ExitCode.failure,
      hint: 'Set HOME to your home directory, or PODIO_AUTH_CONFIG_DIR to where podio-auth should keep its files.',
    },
    rotated_token_lost: {
      exit: ExitCode.failure,
      hint: 'Free the disk or fix the permissions, then run `podio-auth login` again.',
    },
    lock_timeout: {
      exit: ExitCode.failure,
      hint: 'Another podio-auth is refreshing; if none is running, try again in a few seconds.',
    },
    lock_lost: { exit: ExitCode.failure, hint: 'Another process took over; run the command again.' },
    port_in_use: {
      exit: ExitCode.failure,
      hint: 'Choose another with --port, or leave --port out to use any free port.',
    },
    listen_failed: {
      exit: ExitCode.failure,
      hint: 'Choose another port with --port, or leave --port out to use any free port.',
    },
    redirect_host_unusable: { exit: ExitCode.failure },
    keyring_unavailable: {
      exit: ExitCode.failure,
      hint: 'Unlock or start the keyring, or use the file store: `podio-auth login --store file`.',
    },
    redis_unavailable: { exit: ExitCode.failure },
    redis_auth: { exit: ExitCode.failure },
    output_failed: { exit: ExitCode.failure },
    checks_failed: { exit: ExitCode.failure },
    /** A bug: anything thrown that is not a PodioAuthError. */
    unexpected: { exit: ExitCode.failure, hint: 'Run again with --debug for details, and report it if it persists.' },
  }) as const;

/** `exec`'s command not found or not runnable, and the signals that end a command, as a shell reports them. */
const commandEndings = () =>
  ({
    command_not_found: { exit: ExitCode.commandNotFound },
    command_not_executable: { exit: ExitCode.commandNotExecutable },
    hung_up: { exit: ExitCode.hungUp },
    interrupted: { exit: ExitCode.interrupted },
    terminated: { exit: ExitCode.terminated },
  }) as const;

/**
 * Every error code, its exit code and the hint shown when the thrower gives none. Built on first use: a `token` that
 * answers never fails, and it runs in loops.
 */
const buildErrorTable = () =>
  ({
    ...usageErrors(),
    ...loginErrors(),
    ...authErrors(),
    ...failures(),
    ...commandEndings(),
  }) satisfies Record<string, { exit: ExitCode; hint?: string }>;

export type ErrorCode = keyof ReturnType<typeof buildErrorTable>;

let table: ReturnType<typeof buildErrorTable> | undefined;
/** The table of every error code, built the first time it is asked for. */
export const errorTable = () => (table ??= buildErrorTable());

/** What Podio said, kept apart from the message text so callers can act on it. */
export interface PodioFailure {
  /** HTTP status. */
  status: number;
  error?: string | undefined;
  errorDescription?: string | undefined;
}

export interface ErrorOptions {
  hint?: string | undefined;
  cause?: unknown;
  podio?: PodioFailure | undefined;
}

export class PodioAuthError extends Error {
  override readonly name = 'PodioAuthError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** Podio's answer, when the failure is Podio's word. */
  readonly podio: PodioFailure | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    const entry: { exit: ExitCode; hint?: string } = errorTable()[code];
    this.hint = options.hint ?? entry.hint;
    this.podio = options.podio;
  }

  get exitCode(): ExitCode {
    return exitCodeOf(this.code);
  }
}

export function exitCodeOf(code: ErrorCode): ExitCode {
  return errorTable()[code].exit;
}

export function usageError(message: string, hint?: string): PodioAuthError {
  return new PodioAuthError('usage', message, { hint });
}

/**
 * The error for a command a signal ended, by the signal (an AbortSignal's `reason`): 130 for Ctrl-C, 143 for
 * SIGTERM, 129 for SIGHUP, as a shell reports them.
 */
export function interrupted(message = 'Interrupted; nothing was stored.', reason?: unknown): PodioAuthError {
  return new PodioAuthError(
    reason === 'SIGTERM' ? 'terminated' : reason === 'SIGHUP' ? 'hung_up' : 'interrupted',
    message,
  );
}

/** True for the error an aborted `AbortSignal` raises (ours or Node's). */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR');
}

export function isErrorCode(error: unknown, ...codes: ErrorCode[]): error is PodioAuthError {
  return error instanceof PodioAuthError && codes.includes(error.code);
}
