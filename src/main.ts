import { Command, CommanderError } from '@commander-js/extra-typings';
import { registerApi } from './commands/api.js';
import { registerCompletion } from './commands/completion.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEmulator } from './commands/emulator.js';
import { registerExec } from './commands/exec.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerLogin } from './commands/login.js';
import { registerLogout } from './commands/logout.js';
import { registerProfiles } from './commands/profiles.js';
import { type App, createApp } from './commands/shared.js';
import { registerStatus } from './commands/status.js';
import { registerToken } from './commands/token.js';
import type { Deps } from './deps.js';
import { sanitizeForTerminal } from './domain/terminal-text.js';
import { ExitCode, errorTable, exitCodeOf, interrupted, isAbortError, PodioAuthError, usageError } from './errors.js';
import { createMessages, type Messages, useColour } from './ui/messages.js';
import { commanderFailure } from './ui/usage-errors.js';
import { VERSION } from './version.js';

/**
 * The program: the list of commands, and the one place where a failure becomes words and an exit code. Returns
 * the exit code; only the launcher touches the process.
 */

/** The end of `podio-auth --help`; docs/reference.md is generated from it too. */
export const ENVIRONMENT_HELP = `
Environment:
  PODIO_CLIENT_ID, PODIO_CLIENT_SECRET  your Podio API key (podio.com/settings/api)
  PODIO_PROFILE                         profile to use (default: set by \`profiles use\`, else "default")
  PODIO_AUTH_URL                        origin of the authorize page (default: https://podio.com)
  PODIO_API_URL                         origin of the token endpoint and API (default: https://api.podio.com)
  PODIO_AUTH_CONFIG_DIR                 directory holding config.json (default: $XDG_CONFIG_HOME/podio-auth,
                                        else ~/.config/podio-auth; macOS: ~/Library/Preferences/podio-auth)
  PODIO_AUTH_STORE                      where new logins keep secrets: file, keyring, redis://… (default: file)
  PODIO_AUTH_REDIS_PREFIX               key prefix in a Redis store (default: podio-auth:)
  PODIO_AUTH_REDIS_PASSWORD             password of a Redis store (never written to disk)
  PODIO_AUTH_REDIS_LEASE_SECONDS        how long a Redis refresh lock outlives a silent holder, 1-600 (default: 10)
  PODIO_AUTH_KEYRING_TIMEOUT            seconds a keyring call may take, 1-600 (default: 20)
  PODIO_AUTH_LOCK_STALE_SECONDS         seconds a silent refresh lock is waited for, 1-600 (default: 10)
  PODIO_AUTH_HTTP_TIMEOUT               seconds a call to Podio may take, 1-3600 (default: 30)
  PODIO_APP_ID, PODIO_APP_TOKEN         an app login (login --app, or env-only mode)
  PODIO_USERNAME, PODIO_PASSWORD        for login --password
  BROWSER                               command that opens the authorize URL (default: the system's opener)
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY     proxy for calls to Podio (never used for localhost)
  NO_COLOR, FORCE_COLOR, TERM           colour on stderr: on a terminal, unless NO_COLOR is set (it always wins)
                                        or TERM=dumb; FORCE_COLOR=1 turns it on anywhere, FORCE_COLOR=0 off
  CI                                    set, with no terminal and no BROWSER: login fails at once (exit 2)
  SSH_CONNECTION, SSH_TTY, DISPLAY,     where login can open a browser: over SSH or without a display it
  WAYLAND_DISPLAY                       prints the address instead
  GITHUB_ACTIONS                        "true": token and exec mask the token in the job's log

Env-only mode (CI; no config file is read or written), for token, status, exec and api without --profile:
  PODIO_ACCESS_TOKEN                                       used as it is
  PODIO_REFRESH_TOKEN + PODIO_CLIENT_ID/SECRET             refreshed on every call
  PODIO_APP_ID + PODIO_APP_TOKEN + PODIO_CLIENT_ID/SECRET  app grant on every call

Precedence: options, then the environment, then the stored profile.

Exit codes: 0 ok, 1 failure, 2 usage, 3 login not completed, 4 login needed, 129 hung up (SIGHUP),
130 interrupted (Ctrl-C), 143 terminated (SIGTERM); exec: its command's code, 126 not executable, 127 not found.`;

/** What a command's --help adds under its options: what people look up there (exit codes, the usual lines). */
export const COMMAND_HELP: Record<string, string> = {
  login: `
Secrets never go on the command line: PODIO_CLIENT_SECRET, --client-secret-stdin or a hidden prompt (likewise
PODIO_APP_TOKEN / --app-token-stdin and PODIO_PASSWORD / --password-stdin).
While it waits, the address the browser ended on may be pasted: at the prompt on a terminal, else as a line on
standard input (for a browser on another machine).
Exit codes: 0 logged in, 2 usage (no client id and no terminal to ask on; CI without a browser), 3 denied in the
browser or timed out, 4 credentials rejected, 1 any other failure, 130 Ctrl-C (nothing is stored).`,
  token: `
Examples:
  curl -H "Authorization: OAuth2 $(podio-auth token)" https://api.podio.com/user/status
  podio-auth token --json | jq -r .expires_at
  podio-auth token --min-ttl 3600          # lives at least an hour (at most 28799: Podio's tokens live 8 hours)

Without --profile, PODIO_ACCESS_TOKEN, PODIO_REFRESH_TOKEN, or PODIO_APP_ID with PODIO_APP_TOKEN select env-only mode
(see \`podio-auth --help\`). GITHUB_ACTIONS=true: "::add-mask::<token>" goes to stderr first.
Exit codes: 0 a token on stdout, 4 log in again (or, in env-only mode, update the variable named), 2 usage, 1 any
other failure (the stored tokens are kept).`,
  status: `
Without --profile, env-only mode applies as for \`token\`. Exit codes: 0, 4 log in again, 1 failure.`,
  logout: `
A later \`podio-auth login --profile <name>\` finds the client id and origins again; --forget leaves nothing.`,
  export: `
Example: podio-auth export --profile ci --format github | gh secret set -f -
It refuses to print to a terminal unless --reveal is given.`,
  exec: `
Example: podio-auth exec --profile work -- node sync.js --all

Everything after -- is the command, run without a shell. It gets PODIO_ACCESS_TOKEN and the rest of the
environment minus PODIO_CLIENT_SECRET, PODIO_REFRESH_TOKEN, PODIO_APP_TOKEN and PODIO_PASSWORD; SIGINT, SIGTERM
and SIGHUP are passed on to it.
Exit codes: the command's own; 128 + the signal's number if a signal ended it; 126 not executable, 127 not found;
before it runs, podio-auth's own (4 log in again, 2 usage, 1 failure).`,
  doctor: `
Exit codes: 0 when no check failed, 1 otherwise.`,
  emulator: `
It prints the variables that point podio-auth at it, and runs until Ctrl-C. Demo API key: demo-client /
demo-secret-0123456789; app 777 / app-token-0123456789abcdef; user ada@example.com / correct horse battery.`,
  completion: `
Install (bash): mkdir -p ~/.local/share/bash-completion/completions &&
  podio-auth completion bash > ~/.local/share/bash-completion/completions/podio-auth
zsh and fish: see docs/completion.md. podio-auth must be on PATH: completion asks it for profile names.`,
};

const COMMANDS = [
  registerLogin,
  registerToken,
  registerStatus,
  registerLogout,
  registerExport,
  registerImport,
  registerExec,
  registerApi,
  registerDoctor,
  registerEmulator,
  registerCompletion,
  registerProfiles,
];

export function buildProgram(app: App): Command {
  const program = new Command('podio-auth')
    .description('Get Podio OAuth tokens: log in once in the browser, then hand fresh access tokens to scripts.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--debug', 'show stack traces for errors (secrets redacted)')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .addHelpText('after', ENVIRONMENT_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void app.deps.stdout.write(text),
      // Commander's own error lines are replaced by ours (`report`), in the tool's voice and without option values.
      // The help shown for `podio-auth` with no command goes to stderr (exit 2).
      writeErr: (text) => void app.deps.stderr.write(text),
      outputError: () => {},
    });
  for (const register of COMMANDS) register(program, app);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (text) => void app.deps.stdout.write(text),
      writeErr: (text) => void app.deps.stderr.write(text),
      outputError: () => {},
    });
    const notes = COMMAND_HELP[command.name()];
    if (notes) command.addHelpText('after', notes);
  }
  return program;
}

/** Whether `--debug` is one of podio-auth's own words: after `--` it is the command's (`exec -- cmd --debug`). */
function debugAsked(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--debug');
}

export async function main(argv: readonly string[], given: Deps): Promise<number> {
  const debug = debugAsked(argv);
  const deps: Deps = debug
    ? { ...given, debug: (message) => void given.stderr.write(`debug: ${given.secrets.redact(message)}\n`) }
    : given;
  let messages: Promise<Messages> | undefined;
  const ui = () => (messages ??= createMessages(deps.stderr, useColour(deps.env, Boolean(deps.stderr.isTTY))));
  let exitCode: number = ExitCode.ok;
  const app = createApp(deps, ui, (code) => {
    exitCode = code;
  });
  const program = buildProgram(app);
  try {
    const unknownHelp = helpForUnknownCommand(argv, program);
    if (unknownHelp) throw unknownHelp;
    await program.parseAsync(helpOnHelp(argv), { from: 'user' });
    return exitCode;
  } catch (error) {
    const commands = program.commands.map((command) => command.name());
    return report(error, debug, deps, await ui(), argv, commands);
  }
}

/** `help help` is help about help: the program's help, as `--help` prints it (commander would exit 2). */
function helpOnHelp(argv: readonly string[]): string[] {
  const words = argv.filter((word) => word !== '--debug');
  if (words.length === 2 && words[0] === 'help' && words[1] === 'help') return ['--help'];
  // `help profiles move`: commander's help command looks one level down only.
  if (words.length >= 3 && words[0] === 'help' && words.slice(1).every((word) => /^[a-z]+$/.test(word))) {
    return [...words.slice(1), '--help'];
  }
  return [...argv];
}

/** `help nosuch` would print the full help and exit 2 without saying why. */
function helpForUnknownCommand(argv: readonly string[], program: Command): PodioAuthError | undefined {
  const words = argv.filter((word) => word !== '--debug');
  if (words[0] !== 'help' || words[1] === undefined || words[1] === 'help') return undefined;
  const known = program
    .createHelp()
    .visibleCommands(program)
    .map((command) => command.name())
    .filter((name) => name !== 'help');
  if (program.commands.some((command) => command.name() === words[1])) return undefined;
  return usageError(`Unknown command "${words[1].slice(0, 40)}".`, `Commands: ${known.join(', ')}.`);
}

/** The one place a failure becomes words and an exit code. */
export function report(
  error: unknown,
  debug: boolean,
  deps: Deps,
  ui: Messages,
  argv: readonly string[] = [],
  commands: readonly string[] = [],
): number {
  // The last guard: no secret, and no control character (a value from a file, the environment or Podio could
  // otherwise rewrite the terminal), whatever produced the text.
  const redact = (text: string) => sanitizeForTerminal(deps.secrets.redact(text), 2_000);
  const redactStack = (text: string) =>
    deps.secrets.redact(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ');
  if (error instanceof CommanderError) {
    // Help and version were printed on stdout: success.
    if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
      return ExitCode.ok;
    // No command given: the help is already on stderr, and says it all.
    if (error.code === 'commander.help') return exitCodeOf('usage');
    const failure = commanderFailure(error, argv, commands);
    ui.error(redact(failure.message), failure.hint);
    return exitCodeOf(failure.code);
  }
  if (error instanceof PodioAuthError) {
    if (
      (error.code === 'interrupted' || error.code === 'terminated' || error.code === 'hung_up') &&
      deps.stderr.isTTY
    ) {
      // The terminal has just echoed "^C": start on a fresh line.
      deps.stderr.write('\n');
    }
    ui.error(redact(error.message), error.hint === undefined ? undefined : redact(error.hint));
    if (debug) {
      // The stable code, and where it was raised (or what caused it).
      deps.stderr.write(`debug: error code ${error.code} (exit ${error.exitCode})\n`);
      const stack = error.cause instanceof Error && error.cause.stack ? error.cause.stack : error.stack;
      if (stack) deps.stderr.write(`${redactStack(stack)}\n`);
    }
    return error.exitCode;
  }
  if (isAbortError(error)) {
    ui.error('Interrupted; nothing was stored.');
    return interrupted(undefined, deps.signal.reason).exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  ui.error(`Unexpected error: ${redact(message)}`, debug ? undefined : errorTable().unexpected.hint);
  if (debug && error instanceof Error && error.stack) deps.stderr.write(`${redactStack(error.stack)}\n`);
  return exitCodeOf('unexpected');
}
