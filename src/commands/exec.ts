import { Argument, type Command } from '@commander-js/extra-typings';
import { completeAs } from '../completion/program.js';
import { usageError } from '../errors.js';
import { runCommand } from '../platform/run-command.js';
import { commandEnvironment } from '../secrets.js';
import { type App, withTableOptions } from './shared.js';
import { tokenForCaller } from './token.js';

/**
 * Runs a command with a fresh PODIO_ACCESS_TOKEN in its environment: no shell, stdio inherited, its exit code
 * passed on, SIGINT/SIGTERM/SIGHUP forwarded. The child gets the access token, not the long-lived secrets
 * (client secret, refresh token) that may be in this environment.
 */
async function runExec(
  app: App,
  command: string[],
  options: { profile?: string | undefined; minTtl?: number | undefined },
): Promise<number> {
  const [file, ...args] = command;
  if (!file) throw usageError('exec needs a command to run: `podio-auth exec -- <command> [args…]`.');
  const { deps } = app;
  const { tokens } = await tokenForCaller(app, options);
  const env = commandEnvironment(deps.env, tokens.accessToken);
  return runCommand(file, args, env, deps.onSignal, deps.endBySignal ? { endBySignal: deps.endBySignal } : {});
}

export function registerExec(program: Command, app: App): void {
  withTableOptions(
    program
      .command('exec')
      .description('run a command with a fresh PODIO_ACCESS_TOKEN in its environment, and exit with its code')
      .usage('[options] -- <command> [args...]'),
    'exec',
  )
    .addArgument(completeAs(new Argument('<command...>', 'the command and its arguments (after --)'), 'command-line'))
    .action((command, options) => app.run(() => runExec(app, command, options)));
}
