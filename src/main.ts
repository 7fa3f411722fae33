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
import { exitCodeOf, isAbortError, PodioAuthError, usageError } from './errors.js';
import { createMessages, type Messages, useColour } from './ui/messages.js';
import { commanderFailure } from './ui/usage-errors.js';
import { VERSION } from './version.js';

/**
 * The program: the list of commands, and the one place where a failure becomes words and an exit code. Returns
 * the exit code; only the launcher touches the process.
 */

const ENVIRONMENT_HELP = `
Environment:
  PODIO_CLIENT_ID, PODIO_CLIENT_SECRET  your Podio API key (podio.com/settings/api)
  PODIO_PROFILE                         profile to use (default: set by \`profiles use\`, else "default")
  PODIO_AUTH_URL                        origin of the authorize page (default: https://podio.com)
  PODIO_API_URL                         origin of the token endpoint and API (default: https://api.podio.com)
  PODIO_AUTH_CONFIG_DIR                 directory holding config.json
  PODIO_AUTH_STORE                      where new logins keep secrets: file, keyring, redis://… (default: file)
  PODIO_AUTH_HTTP_TIMEOUT               seconds a call to Podio may take, 1-3600 (default: 30)
  PODIO_APP_ID, PODIO_APP_TOKEN         an app login (login --app, or env-only mode)
  PODIO_USERNAME, PODIO_PASSWORD        for login --password
  BROWSER                               command that opens the authorize URL
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY     proxy for calls to Podio (never used for localhost)
  NO_COLOR, FORCE_COLOR                 colour on stderr (NO_COLOR wins; TERM=dumb turns it off)
  GITHUB_ACTIONS                        "true": tokens are masked in the job's log

Env-only mode (CI; no config file is read or written), for token, status and exec without --profile:
  PODIO_ACCESS_TOKEN                                      used as it is
  PODIO_REFRESH_TOKEN + PODIO_CLIENT_ID/SECRET            refreshed on every call
  PODIO_APP_ID + PODIO_APP_TOKEN + PODIO_CLIENT_ID/SECRET app grant on every call

Precedence: options, then the environment, then the stored profile.

Exit codes: 0 ok, 1 failure, 2 usage, 3 login not completed, 4 login needed, 130 interrupted, 143 terminated.`;

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
      writeErr: () => {},
      outputError: () => {},
    });
  for (const register of COMMANDS) register(program, app);
  for (const command of program.commands)
    command.exitOverride().configureOutput({
      writeOut: (text) => void app.deps.stdout.write(text),
      writeErr: () => {},
      outputError: () => {},
    });
  return program;
}

export async function main(argv: readonly string[], given: Deps): Promise<number> {
  const deps: Deps = argv.includes('--debug')
    ? { ...given, debug: (message) => void given.stderr.write(`debug: ${given.secrets.redact(message)}\n`) }
    : given;
  let messages: Promise<Messages> | undefined;
  const ui = () => (messages ??= createMessages(deps.stderr, useColour(deps.env, Boolean(deps.stderr.isTTY))));
  let exitCode = 0;
  const app = createApp(deps, ui, (code) => {
    exitCode = code;
  });
  const program = buildProgram(app);
  try {
    const unknownHelp = helpForUnknownCommand(argv, program);
    if (unknownHelp) throw unknownHelp;
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return report(error, argv.includes('--debug'), deps, await ui(), argv);
  }
}

/** `help nosuch` would print the full help and exit 2 without saying why. */
function helpForUnknownCommand(argv: readonly string[], program: Command): PodioAuthError | undefined {
  const words = argv.filter((word) => word !== '--debug');
  if (words[0] !== 'help' || words[1] === undefined) return undefined;
  const known = program.commands.map((command) => command.name());
  if (known.includes(words[1])) return undefined;
  return usageError(`Unknown command "${words[1].slice(0, 40)}".`, `Commands: ${known.join(', ')}.`);
}

/** The one place a failure becomes words and an exit code. */
export function report(error: unknown, debug: boolean, deps: Deps, ui: Messages, argv: readonly string[] = []): number {
  const redact = (text: string) => deps.secrets.redact(text);
  if (error instanceof CommanderError) {
    // Help and version were printed on stdout: success.
    if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
      return 0;
    const failure = commanderFailure(error, argv);
    ui.error(redact(failure.message), failure.hint);
    return exitCodeOf(failure.code);
  }
  if (error instanceof PodioAuthError) {
    if ((error.code === 'interrupted' || error.code === 'terminated') && deps.stderr.isTTY) {
      // The terminal has just echoed "^C": start on a fresh line.
      deps.stderr.write('\n');
    }
    ui.error(redact(error.message), error.hint === undefined ? undefined : redact(error.hint));
    if (debug && error.cause instanceof Error && error.cause.stack) deps.stderr.write(`${redact(error.cause.stack)}\n`);
    return error.exitCode;
  }
  if (isAbortError(error)) {
    ui.error('Interrupted; nothing was stored.');
    return exitCodeOf(deps.signal.reason === 'SIGTERM' ? 'terminated' : 'interrupted');
  }
  const message = error instanceof Error ? error.message : String(error);
  ui.error(
    `Unexpected error: ${redact(message)}`,
    debug ? undefined : 'Run again with --debug for details, and report it if it persists.',
  );
  if (debug && error instanceof Error && error.stack) deps.stderr.write(`${redact(error.stack)}\n`);
  return 1;
}
