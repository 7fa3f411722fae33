/**
 * The process side of the CLI, and the only code that touches the process: signals, streams, the exit code.
 * Everything else is `main(argv, deps)`.
 */
import type { Deps } from './deps.js';
import { exitCodeOf, PodioAuthError } from './errors.js';
import { main } from './main.js';
import { blockingReadsInFlight } from './platform/blocking-reads.js';
import { endThisProcessBy } from './platform/run-command.js';
import { handleSignals } from './process-signals.js';
import { closeDeps, createDeps } from './real-deps.js';
import { removeSecretsFrom } from './secrets.js';

export async function runCli(argv: string[]): Promise<void> {
  // A reader that went away, or a full disk, must not crash the tool; stderr failures are ignored (a login in
  // progress goes on: its code must not be wasted), a stdout failure makes the exit code 1.
  process.stderr.on('error', () => {});
  let stdoutError: NodeJS.ErrnoException | undefined;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    stdoutError ??= error;
  });

  let deps: Deps | undefined;
  const signals = handleSignals({
    on: (signal, listener) => process.on(signal, listener),
    off: (signal, listener) => process.off(signal, listener),
    exit: (code) => process.exit(code),
    endBySignal: endThisProcessBy,
    blockingReadsInFlight,
    // No lock is taken before the side effects exist.
    releaseLocksNow: () => deps?.releaseLocksNow(),
    warn: (text) => process.stderr.write(text),
    later: (ms, work) => setTimeout(work, ms).unref(),
  });

  const env = { ...process.env };
  // Child processes (the system's browser opener) inherit process.env; the secrets in it are ours alone.
  removeSecretsFrom(process.env);

  try {
    deps = createDepsForHelpToo(
      { env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, ...signals },
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
