import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Argument, type Command } from '@commander-js/extra-typings';
import { completeAs } from '../completion.js';
import { PodioAuthError, usageError } from '../errors.js';
import { withoutSecrets } from '../secrets.js';
import { type App, minTtlOption, profileOption } from './shared.js';
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
  return new Promise<number>((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: 'inherit',
      env: { ...withoutSecrets(deps.env), PODIO_ACCESS_TOKEN: tokens.accessToken },
    });
    const stopForwarding = deps.onSignal((signal) => {
      if (child.exitCode === null) child.kill(signal);
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      stopForwarding();
      reject(
        error.code === 'ENOENT'
          ? new PodioAuthError('command_not_found', `Command not found: ${file}`)
          : new PodioAuthError('command_not_executable', `Could not run ${file} (${error.code ?? error.message}).`),
      );
    });
    child.once('exit', (code, signal) => {
      stopForwarding();
      // As a shell reports it: 128 + the signal's number when the command was killed.
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

export function registerExec(program: Command, app: App): void {
  program
    .command('exec')
    .description('run a command with a fresh PODIO_ACCESS_TOKEN in its environment, and exit with its code')
    .usage('[options] -- <command> [args...]')
    .addOption(profileOption())
    .addOption(minTtlOption())
    .addArgument(completeAs(new Argument('<command...>', 'the command and its arguments (after --)'), 'command-line'))
    .action((command, options) => app.run(() => runExec(app, command, options)));
}
