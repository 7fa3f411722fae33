import { constants } from 'node:os';
import { PodioAuthError } from '../errors.js';
import { terminalSignalReached } from './foreground.js';

/** The signals a terminal's keys send: Ctrl-C, Ctrl-\. */
const SENT_BY_THE_TERMINAL: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGQUIT']);

/** The signals forwarded to the command while it runs. */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/** What `exec` needs of a started command: it can be signalled, and it reports its end once. */
interface StartedCommand {
  readonly pid: number | undefined;
  kill(signal: NodeJS.Signals): void;
}

interface StartEvents {
  /** The command ran and ended: its exit code, or the signal that ended it. */
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
  /** The command could not be started: the system's error name (ENOENT, EACCES…). */
  onError(errorName: string): void;
}

/**
 * Starts `file` with stdio inherited and no shell. `node:child_process` is loaded here, not at start-up: `token`
 * and `export` share the launcher's fast path and never need it.
 */
function startCommand(
  file: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  events: StartEvents,
): StartedCommand {
  const { spawn } = process.getBuiltinModule('node:child_process');
  const child = spawn(file, args, { stdio: 'inherit', env });
  child.once('error', (error: NodeJS.ErrnoException) => events.onError(error.code ?? error.message));
  child.once('exit', (code, signal) => events.onExit(code, signal));
  return {
    pid: child.pid,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

export interface RunOptions {
  /**
   * Called when a signal ended the command, to end this process by the same signal: a shell that runs podio-auth
   * then sees what it would have seen from the command (a loop stops on Ctrl-C, as it would without podio-auth).
   */
  endBySignal?: (signal: NodeJS.Signals) => void;
}

/** Signals whose default action dumps core: raised again here, they would dump node's, so the code says it. */
const DUMPS_CORE: ReadonlySet<NodeJS.Signals> = new Set([
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGSEGV',
  'SIGSYS',
  'SIGXCPU',
  'SIGXFSZ',
]);

/** Signals Node acts on itself rather than die of: SIGUSR1 would open its debugger, on a process holding a token. */
const NODE_ACTS_ON: ReadonlySet<NodeJS.Signals> = new Set(['SIGUSR1']);

/** Ends this process by `signal`, as `endBySignal` wants: its handlers go first, so the default action applies. */
export function endThisProcessBy(signal: NodeJS.Signals): void {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

/**
 * Runs a command as `exec` does: no shell, stdio inherited, its exit code passed on (128 + the signal's number
 * when a signal ended it, as a shell reports it), the signals this process gets forwarded to it, except a Ctrl-C
 * or Ctrl-\ from the terminal, which reached the command already.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  onSignal: (listener: (signal: NodeJS.Signals) => void) => () => void,
  options: RunOptions = {},
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let stopForwarding = () => {};
    const events: StartEvents = {
      onExit(code, signal) {
        stopForwarding();
        if (signal && !DUMPS_CORE.has(signal) && !NODE_ACTS_ON.has(signal)) options.endBySignal?.(signal);
        resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
      },
      onError(errorName) {
        stopForwarding();
        reject(
          errorName === 'ENOENT'
            ? new PodioAuthError('command_not_found', `Command not found: ${file}`)
            : new PodioAuthError('command_not_executable', `Could not run ${file} (${errorName}).`),
        );
      },
    };
    let started: StartedCommand | undefined;
    try {
      started = startCommand(file, args, env, events);
    } catch (error) {
      // What is thrown rather than reported: child_process throws E2BIG (a command line too long for the system),
      // and Node's permission model refuses child processes by throwing ERR_ACCESS_DENIED.
      events.onError((error as NodeJS.ErrnoException).code ?? String(error));
    }
    if (started) {
      stopForwarding = onSignal((signal) => {
        // The terminal sends these to its whole foreground group, so the command has had this one already; sent
        // again, it would be a second Ctrl-C, which many programs take as "stop now, without cleaning up".
        if (SENT_BY_THE_TERMINAL.has(signal) && terminalSignalReached(started.pid)) return;
        started.kill(signal);
      });
    }
  });
}
