import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { CliError, ExitCode, usageError } from '../errors.js';
import { withoutSecrets } from '../output.js';
import { getFreshToken } from '../token-source.js';
import type { CommandContext } from './context.js';
import { maskInGitHubActions } from './token.js';

export interface ExecOptions {
  profile?: string;
  minTtl?: number;
}

/**
 * Runs a command with a fresh PODIO_ACCESS_TOKEN in its environment: no shell, stdio inherited, its exit code
 * passed on, SIGINT/SIGTERM/SIGHUP forwarded. The child gets the access token, not the long-lived secrets
 * (client secret, refresh token) that may be in this environment.
 */
export async function runExec(command: string[], options: ExecOptions, ctx: CommandContext): Promise<number> {
  const [file, ...args] = command;
  if (!file) throw usageError('exec needs a command to run: `podio-auth exec -- <command> [args…]`.');
  const { deps } = ctx;
  const { tokens } = await getFreshToken({ profile: options.profile, minTtlSeconds: options.minTtl }, ctx.store, deps, ctx.ui);
  maskInGitHubActions(ctx, tokens.accessToken);

  return new Promise<number>((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'inherit', env: { ...withoutSecrets(deps.env), PODIO_ACCESS_TOKEN: tokens.accessToken } });
    const stopForwarding = deps.onSignal((signal) => {
      if (child.exitCode === null) child.kill(signal);
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      stopForwarding();
      const notFound = error.code === 'ENOENT';
      reject(
        new CliError('usage', notFound ? ExitCode.commandNotFound : ExitCode.commandNotExecutable, notFound ? `Command not found: ${file}` : `Could not run ${file} (${error.code ?? error.message}).`),
      );
    });
    child.once('exit', (code, signal) => {
      stopForwarding();
      // As a shell reports it: 128 + the signal's number when the command was killed.
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
