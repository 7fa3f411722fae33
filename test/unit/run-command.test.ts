import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PodioAuthError } from '../../src/errors.js';
import { isTerminal } from '../../src/platform/is-terminal.js';
import { runCommand } from '../../src/platform/run-command.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'podio-auth-run-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The PodioAuthError a promise rejects with (anything else, or no rejection, fails the test). */
async function rejection(promise: Promise<unknown>): Promise<PodioAuthError> {
  const error = await promise.then(
    () => new Error('did not reject'),
    (reason: unknown) => reason,
  );
  if (error instanceof PodioAuthError) return error;
  throw error;
}

const env = { PATH: process.env['PATH'] };
const noSignals = () => () => {};

describe('runCommand', () => {
  const run = (file: string, args: string[], commandEnv: Record<string, string | undefined> = env) =>
    runCommand(file, args, commandEnv, noSignals);

  it('passes SIGUSR1 on as its code, never by raising it here (Node would open its debugger)', async () => {
    const raised: string[] = [];
    const code = await runCommand('sh', ['-c', 'kill -USR1 $$'], env, noSignals, {
      endBySignal: (signal) => void raised.push(signal),
    });
    expect(code).toBe(138);
    expect(raised).toEqual([]);
    const term = await runCommand('sh', ['-c', 'kill -TERM $$'], env, noSignals, {
      endBySignal: (signal) => void raised.push(signal),
    });
    expect(term).toBe(143);
    expect(raised).toEqual(['SIGTERM']);
  });

  it('passes on the exit code, and 128 + the number of a signal that ended the command', async () => {
    expect(await run('sh', ['-c', 'exit 7'])).toBe(7);
    expect(await run('sh', ['-c', 'exit 0'])).toBe(0);
    expect(await run('sh', ['-c', 'kill -TERM $$'])).toBe(143);
  });

  it('gives the command its arguments as they are, and the environment without unset entries', async () => {
    const out = join(dir, 'out');
    const script = 'printf "%s|%s|%s|%s" "$1" "$2" "$SET" "${UNSET-unset}" > "$OUT"';
    const code = await run('sh', ['-c', script, 'sh', 'two words', '$HOME;*'], {
      ...env,
      OUT: out,
      SET: 'yes',
      UNSET: undefined,
    });
    expect(code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('two words|$HOME;*|yes|unset');
  });

  it('says command_not_found for a missing command, command_not_executable for one it cannot start', async () => {
    const missing = await rejection(run('no-such-command-here', []));
    expect(missing).toMatchObject({ code: 'command_not_found', exitCode: 127 });
    const notExecutable = join(dir, 'script');
    writeFileSync(notExecutable, 'echo hi\n');
    chmodSync(notExecutable, 0o644);
    const refused = await rejection(run(notExecutable, []));
    expect(refused).toMatchObject({ code: 'command_not_executable', exitCode: 126 });
    expect(refused.message).toContain('EACCES');
    // Longer than the system takes for one argument.
    const tooLong = await rejection(run('true', ['x'.repeat(1024 * 1024)]));
    expect(tooLong).toMatchObject({ code: 'command_not_executable', message: 'Could not run true (E2BIG).' });
  });

  it('forwards a signal to the running command, and stops forwarding once it has ended', async () => {
    const ready = join(dir, 'ready');
    execFileSync('mkfifo', [ready]);
    const script = `trap 'exit 42' TERM; echo ready > "${ready}"; while :; do sleep 0.01; done`;
    let forward: ((signal: NodeJS.Signals) => void) | undefined;
    let stopped = false;
    const done = runCommand('sh', ['-c', script], env, (listener) => {
      forward = listener;
      return () => {
        stopped = true;
      };
    });
    for await (const _line of createReadStream(ready)) break;
    expect(stopped).toBe(false);
    forward?.('SIGTERM');
    expect(await done).toBe(42);
    expect(stopped).toBe(true);
    // A signal that comes after the end reaches nothing and throws nothing.
    forward?.('SIGTERM');
  });
});

describe('isTerminal', () => {
  it('answers as tty.isatty does, for a file and a pipe (a real terminal: the export tests)', async () => {
    const { isatty } = await import('node:tty');
    const file = openSync(join(dir, 'file'), 'w');
    try {
      expect(isTerminal(file)).toBe(false);
      expect(isTerminal(file)).toBe(isatty(file));
    } finally {
      closeSync(file);
    }
    // A character device that is no terminal.
    const devNull = openSync('/dev/null', 'w');
    try {
      expect(isTerminal(devNull)).toBe(false);
    } finally {
      closeSync(devNull);
    }
    // Not descriptors at all: false, never a throw.
    for (const fd of [-1, 1.5, 2 ** 31]) expect(isTerminal(fd)).toBe(false);
  });
});
