/**
 * The process side of the CLI, and the only code that touches the process: signals, streams, the exit code.
 * Everything else is `main(argv, deps)`.
 */
import { closeDeps, createDeps, type Deps } from './deps.js';
import { exitCodeOf, PodioAuthError } from './errors.js';
import { main } from './main.js';
import { blockingReadsInFlight } from './platform/blocking-reads.js';
import { endThisProcessBy } from './platform/run-command.js';
import { SECRET_ENV_NAMES } from './secrets.js';
import { releaseHeldLocksSync } from './store/file/lock.js';

/** After a first signal outside a token exchange, the command has this long to wind down by itself. */
const WIND_DOWN_MS = 1_500;

/** As a shell reports a command a signal ended: 128 + the signal's number (SIGHUP 129, SIGINT 130, SIGTERM 143). */
function signalExitCode(signal: NodeJS.Signals): number {
  return exitCodeOf(signal === 'SIGTERM' ? 'terminated' : signal === 'SIGHUP' ? 'hung_up' : 'interrupted');
}

export async function runCli(argv: string[]): Promise<void> {
  const soft = new AbortController();
  const force = new AbortController();
  /** Token requests written to Podio and not yet answered: their answers may hold a rotated refresh token. */
  let sentTokenRequests = 0;
  // `exec` takes signals over while its command runs, to forward them.
  const listeners = new Set<(signal: NodeJS.Signals) => void>();

  // A reader that went away, or a full disk, must not crash the tool; stderr failures are ignored (a login in
  // progress goes on: its code must not be wasted), a stdout failure makes the exit code 1.
  process.stderr.on('error', () => {});
  let stdoutError: NodeJS.ErrnoException | undefined;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    stdoutError ??= error;
  });

  const exitNow = (signal: NodeJS.Signals) => {
    releaseHeldLocksSync();
    if (blockingReadsInFlight()) {
      // exit() would wait for the pool thread stuck in that read (a FIFO nobody writes to). Ending by the signal
      // itself does not wait, and a shell reports it with the same code, 128 + its number.
      endThisProcessBy(signal);
    }
    process.exit(signalExitCode(signal));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (listeners.size > 0) {
      for (const listener of listeners) listener(signal);
      return;
    }
    // A second signal means "now".
    if (soft.signal.aborted) {
      force.abort(signal);
      exitNow(signal);
    }
    soft.abort(signal);
    if (sentTokenRequests > 0) {
      process.stderr.write(
        '\n! Podio is answering a token request already sent: waiting for its answer so the new token is stored (press Ctrl-C again to stop now).\n',
      );
    } else {
      setTimeout(() => exitNow(signal), WIND_DOWN_MS).unref();
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  const env = { ...process.env };
  // Child processes (the system's browser opener) inherit process.env; the secrets in it are ours alone.
  for (const name of SECRET_ENV_NAMES) delete process.env[name];

  let deps: Deps;
  try {
    deps = createDepsForHelpToo(
      {
        env,
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
        signal: soft.signal,
        forceSignal: force.signal,
        critical: async (work) => {
          // Counted only once written: a request still connecting, or waiting for a proxy's tunnel, has reached
          // nobody, and a first signal ends it at once.
          let counted = false;
          try {
            return await work(() => {
              if (counted) return;
              counted = true;
              sentTokenRequests++;
            });
          } finally {
            if (counted) sentTokenRequests--;
          }
        },
        endBySignal: (signal) => {
          releaseHeldLocksSync();
          endThisProcessBy(signal);
        },
        onSignal: (listener) => {
          // Ctrl-\ keeps its default (end at once) except while a command runs, which it must not outlive.
          if (listeners.size === 0) process.on('SIGQUIT', onSignal);
          listeners.add(listener);
          return () => {
            listeners.delete(listener);
            if (listeners.size === 0) process.off('SIGQUIT', onSignal);
          };
        },
      },
      argv,
    );
  } catch (error) {
    // The environment itself is wrong (PODIO_AUTH_HTTP_TIMEOUT, PODIO_AUTH_STORE): say so in one line.
    if (!(error instanceof PodioAuthError)) throw error;
    process.stderr.write(`✗ ${error.message}\n${error.hint ? `${error.hint}\n` : ''}`);
    process.exitCode = error.exitCode;
    return;
  }

  let code = await main(argv, deps);
  await closeDeps(deps);
  if (stdoutError && code === 0) {
    process.stderr.write(`✗ Could not write to standard output (${stdoutError.code ?? stdoutError.message}).\n`);
    code = exitCodeOf('output_failed');
  }
  process.exitCode = code;
}

/** Help and the version need no setting: a wrong one must not stand between a user and the help that explains it. */
function createDepsForHelpToo(side: Parameters<typeof createDeps>[0], argv: readonly string[]): Deps {
  try {
    return createDeps(side);
  } catch (error) {
    // Only podio-auth's own words: what follows `--` belongs to the command `exec` runs (`ls -h`).
    const ownWords = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
    const words = ownWords.filter((word) => word !== '--debug');
    const asksForHelp = words[0] === 'help' || words.some((word) => ['--help', '-h', '--version', '-V'].includes(word));
    if (!(error instanceof PodioAuthError) || !asksForHelp) throw error;
    const env = Object.fromEntries(
      Object.entries(side.env).filter(([name]) => !name.startsWith('PODIO_AUTH_') || name === 'PODIO_AUTH_CONFIG_DIR'),
    );
    return createDeps({ ...side, env });
  }
}
