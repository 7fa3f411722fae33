import { readFileSync } from 'node:fs';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { completeAs, completionKindOf, SHELLS } from './completion.js';
import type { CompletionOption, CompletionProgram, Shell } from './completion.js';
import { createContext, type CommandContext } from './commands/context.js';
import type { Deps } from './deps.js';
import { ExitCode, isAbortError, PodioAuthError } from './errors.js';
import { createMessages, redact, SECRET_ENV_NAMES, useColour, type Messages } from './output.js';

/**
 * The program: commander turns argv into options, a command function does the work, and every failure becomes
 * one message and one exit code here. Returns the exit code; only `bin/podio-auth.js` touches the process.
 */

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

const ENVIRONMENT_HELP = `
Environment:
  PODIO_CLIENT_ID, PODIO_CLIENT_SECRET  your Podio API key (podio.com/settings/api)
  PODIO_PROFILE                         profile to use (default: set by \`profiles use\`, else "default")
  PODIO_AUTH_URL                        origin of the authorize page (default: https://podio.com)
  PODIO_API_URL                         origin of the token endpoint and API (default: https://api.podio.com)
  PODIO_AUTH_CONFIG_DIR                 directory holding config.json
  PODIO_AUTH_HTTP_TIMEOUT               seconds to wait for Podio (default: 30)
  PODIO_APP_TOKEN, PODIO_USERNAME, PODIO_PASSWORD   for login --app and login --password
  BROWSER                               command that opens the authorize URL
  HTTPS_PROXY, NO_PROXY                 proxy for calls to Podio
  NO_COLOR, FORCE_COLOR                 colour on stderr

Env-only mode (CI; no config file is read or written), for token, status and exec without --profile:
  PODIO_ACCESS_TOKEN                                      used as it is
  PODIO_REFRESH_TOKEN + PODIO_CLIENT_ID/SECRET            refreshed on every call
  PODIO_APP_ID + PODIO_APP_TOKEN + PODIO_CLIENT_ID/SECRET app grant on every call

Precedence: options, then the environment, then the stored profile.

Exit codes: 0 ok, 1 failure, 2 usage, 3 login not completed, 4 login needed, 130 interrupted.`;

/** Runs a command's work; a command that decides its own exit code (`exec`) returns it. */
type Runner = (work: (ctx: CommandContext) => Promise<void | number>) => Promise<void>;

function buildProgram(deps: Deps, run: Runner): Command {
  const program = new Command('podio-auth')
    .description('Get Podio OAuth tokens: log in once in the browser, then hand fresh access tokens to scripts.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--debug', 'show stack traces for errors')
    .helpOption('-h, --help', 'show help')
    .addHelpCommand('help [command]', 'show help for a command')
    .addHelpText('after', ENVIRONMENT_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.stdout.write(text),
      writeErr: (text) => deps.stderr.write(text),
    });

  const profileOption = () =>
    completeAs(
      new Option('--profile <name>', 'profile to use (default: $PODIO_PROFILE, then `profiles use`, then "default")'),
      'profile',
    );

  program
    .command('login')
    .description('log in to Podio in the browser and store the tokens')
    .addOption(profileOption())
    .option('--client-id <id>', 'client id of your Podio API key (default: $PODIO_CLIENT_ID, then the profile)')
    .option('--client-secret-stdin', 'read the client secret from standard input (else $PODIO_CLIENT_SECRET, the profile, or a prompt)')
    .option('--scope <scopes>', 'scopes to ask for, e.g. "global:read"')
    .option('--redirect-host <host>', 'host of the redirect URI, as registered as the API key\'s domain', 'localhost')
    .addOption(new Option('--port <n>', 'callback port').argParser(integer('--port', 1, 65535)).default(0, 'any free port'))
    .option('--no-browser', 'do not open a browser; print the URL only')
    .option('--timeout <seconds>', 'how long to wait for the browser', integer('--timeout', 1, 86_400), 300)
    .option('--app <app_id>', 'log in as a Podio app (app grant) instead of through the browser')
    .option('--app-token-stdin', 'read the app token from standard input (else $PODIO_APP_TOKEN or a hidden prompt)')
    .option('--password', 'log in with a user name and password (password grant) instead of through the browser')
    .option('--username <email>', 'user name for --password (default: $PODIO_USERNAME, else a prompt)')
    .option('--password-stdin', 'read the password from standard input (else $PODIO_PASSWORD or a hidden prompt)')
    .action(async (options) => {
      const { runLogin } = await import('./commands/login.js');
      await run((ctx) => runLogin(options, ctx));
    });

  program
    .command('token')
    .description('print a valid access token on stdout, refreshing it first if needed')
    .addOption(profileOption())
    .option('--json', 'print the token with its expiry as JSON')
    .option('--min-ttl <seconds>', 'refresh first unless the token lives at least this long', integer('--min-ttl', 0, 7 * 86_400))
    .action(async (options) => {
      const { runToken } = await import('./commands/token.js');
      await run((ctx) => runToken(options, ctx));
    });

  program
    .command('status')
    .description('show who is logged in (checked with Podio), until when, and where the tokens are stored')
    .addOption(profileOption())
    .option('--json', 'print the status as JSON')
    .action(async (options) => {
      const { runStatus } = await import('./commands/status.js');
      await run((ctx) => runStatus(options, ctx));
    });

  program
    .command('logout')
    .description('forget the stored tokens and client secret of a profile')
    .addOption(profileOption())
    .option('--all', 'forget every profile')
    .action(async (options) => {
      const { runLogout } = await import('./commands/logout.js');
      await run((ctx) => runLogout(options, ctx));
    });

  program
    .command('export')
    .description('print what a CI job needs to get tokens (client credentials and refresh token, or the app pair)')
    .addOption(profileOption())
    .addOption(new Option('--format <format>', 'output format').choices(['dotenv', 'shell', 'json', 'github']).default('dotenv'))
    .option('--reveal', 'print the secrets even when stdout is a terminal')
    .action(async (options) => {
      const { runExport } = await import('./commands/export.js');
      await run((ctx) => runExport(options, ctx));
    });

  program
    .command('exec')
    .description('run a command with a fresh PODIO_ACCESS_TOKEN in its environment, and exit with its code')
    .usage('[options] -- <command> [args...]')
    .addOption(profileOption())
    .option('--min-ttl <seconds>', 'refresh first unless the token lives at least this long', integer('--min-ttl', 0, 7 * 86_400))
    .addArgument(completeAs(new Argument('<command...>', 'the command and its arguments (after --)'), 'command-line'))
    .action(async (command: string[], options) => {
      const { runExec } = await import('./commands/exec.js');
      await run((ctx) => runExec(command, options, ctx));
    });

  program
    .command('doctor')
    .description('check everything a login and a refresh depend on, with a hint for each problem')
    .option('--json', 'print the checks as JSON')
    .option('--fix', 'tighten loose modes of the config directory and file')
    .option('--port <n>', 'also check that this callback port is free', integer('--port', 1, 65535))
    .action(async (options) => {
      const { runDoctor } = await import('./commands/doctor.js');
      await run((ctx) => runDoctor(options, ctx));
    });

  program
    .command('emulator')
    .description('serve a local Podio (authorize page, token endpoints, /user/status) for trying podio-auth and for tests')
    .option('--host <address>', 'loopback address to listen on', '127.0.0.1')
    .addOption(new Option('--port <n>', 'port').argParser(integer('--port', 1, 65535)).default(0, 'any free port'))
    .addOption(new Option('--decision <decision>', 'what the authorize page does').choices(['ask', 'grant', 'deny']).default('ask'))
    .option('--no-echo-state', 'leave state out of the redirect, as Podio might')
    .option('--no-rotate', 'keep refresh tokens valid after a refresh')
    .option('--expires-in <seconds>', 'lifetime of access tokens (0: already expired)', integer('--expires-in', 0, 86_400 * 30), 28_800)
    .option('--rate-limited', 'answer every token and API request with HTTP 420')
    .action(async (options) => {
      const { runEmulator } = await import('./commands/emulator.js');
      await run((ctx) => runEmulator(options, ctx));
    });

  program
    .command('completion')
    .description('print a shell completion script (see the README for how to install it)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action(async (shell: Shell) => {
      const { completionScript } = await import('./completion.js');
      deps.stdout.write(completionScript(shell, describeCommands(program)));
    });

  // For the completion scripts: the stored profile names, one a line. Quiet and exit 0 whatever happens, since
  // it runs at every Tab.
  program
    .command('__complete', { hidden: true })
    .argument('[what]')
    .allowExcessArguments()
    .allowUnknownOption()
    .action(async (what?: string) => {
      if (what !== 'profiles') return;
      const { storedProfileNames } = await import('./completion.js');
      const names = await storedProfileNames(deps.env);
      deps.stdout.write(names.map((name) => `${name}\n`).join(''));
    });

  const profiles = program
    .command('profiles')
    .description('list the stored profiles (which is the default, who, expiry); `profiles use <name>` sets the default')
    .option('--json', 'print the list as JSON')
    .action(async (options) => {
      const { runProfilesList } = await import('./commands/profiles.js');
      await run((ctx) => runProfilesList(options, ctx));
    });
  profiles
    .command('use')
    .addArgument(completeAs(new Argument('<name>'), 'profile'))
    .description('make <name> the profile used when neither --profile nor PODIO_PROFILE is given')
    .action(async (name: string) => {
      const { runProfilesUse } = await import('./commands/profiles.js');
      await run((ctx) => runProfilesUse(name, ctx));
    });

  return program;
}

/** The commands and options as the completion scripts need them: what `--help` shows, and the marks of `completeAs`. */
function describeCommands(program: Command): CompletionProgram {
  const help = program.createHelp();
  const describeOption = (option: Option): CompletionOption => ({
    names: [option.short, option.long].filter((name): name is string => Boolean(name)),
    description: option.description,
    value: option.required || option.optional
      ? { choices: option.argChoices ?? [], kind: completionKindOf(option) }
      : undefined,
  });
  const programOptions = help.visibleOptions(program).map(describeOption);
  // Options of the program are taken after a command too (`token --debug`), except help, which each has its own.
  const inherited = programOptions.filter((option) => !option.names.includes('--help'));
  const describe = (command: Command, name: string) => {
    const argument = command.registeredArguments[0];
    return {
      name,
      description: command.description().split('\n')[0] ?? '',
      options: [...help.visibleOptions(command).map(describeOption), ...inherited],
      argument:
        name === 'help'
          ? { choices: [], kind: 'command-name' as const }
          : argument && { choices: argument.argChoices ?? [], kind: completionKindOf(argument) },
    };
  };
  return {
    name: program.name(),
    options: programOptions,
    commands: help
      .visibleCommands(program)
      .flatMap((command) => [
        describe(command, command.name()),
        ...help.visibleCommands(command).map((sub) => describe(sub, `${command.name()} ${sub.name()}`)),
      ]),
  };
}

export async function main(argv: readonly string[], deps: Deps): Promise<number> {
  let messages: Promise<Messages> | undefined;
  const ui = () => (messages ??= createMessages(deps.stderr, useColour(deps.env, Boolean(deps.stderr.isTTY))));
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(deps, async (work) => {
    exitCode = (await work(createContext(deps, ui))) ?? ExitCode.ok;
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return report(error, argv.includes('--debug'), deps, await ui());
  }
}

/** The one place a failure becomes words and an exit code. */
function report(error: unknown, debug: boolean, deps: Deps, ui: Messages): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (help, version, or the usage error).
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  // Secrets that could possibly end up in a message: the last guard, whatever produced the text.
  const secrets = SECRET_ENV_NAMES.map((name) => deps.env[name]);
  if (error instanceof PodioAuthError) {
    if (error.exitCode === ExitCode.interrupted) {
      // The terminal has just echoed "^C": start on a fresh line.
      if (deps.stderr.isTTY) deps.stderr.write('\n');
      ui.error('Interrupted; nothing was stored.');
    } else {
      ui.error(redact(error.message, secrets), error.hint);
    }
    if (debug && error.cause instanceof Error && error.cause.stack) deps.stderr.write(`${redact(error.cause.stack, secrets)}\n`);
    return error.exitCode;
  }
  if (isAbortError(error)) {
    ui.error('Interrupted; nothing was stored.');
    return ExitCode.interrupted;
  }
  const message = error instanceof Error ? error.message : String(error);
  ui.error(`Unexpected error: ${redact(message, secrets)}`, debug ? undefined : 'Run again with --debug for details, and report it if it persists.');
  if (debug && error instanceof Error && error.stack) deps.stderr.write(`${redact(error.stack, secrets)}\n`);
  return ExitCode.failure;
}
