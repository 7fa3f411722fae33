import { PodioAuthError } from '../errors.js';

/**
 * Runs a command as `exec` does: no shell, stdio inherited, its exit code passed on (128 + the signal's number
 * when a signal ended it, as a shell reports it), the signals this process gets forwarded to it.
 */
export async function runCommand(
  file: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  onSignal: (listener: (signal: NodeJS.Signals) => void) => () => void,
): Promise<number> {
  // Loaded here, not at the top: the launcher's fast path shares this module with `token`, which never spawns.
  const [{ spawn }, { constants }] = await Promise.all([import('node:child_process'), import('node:os')]);
  return new Promise<number>((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'inherit', env });
    const stopForwarding = onSignal((signal) => {
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
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
