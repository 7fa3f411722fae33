import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BIN, inAnHour, runCli, startCli, startSandbox } from '../support/cli.js';

/** `exec` and signals: what ends the command ends `exec` the same way, and a signal reaches the command once. */

describe('signals that end exec or its command', () => {
  it('forwards SIGTERM to the command', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const script =
      "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(42); }); console.error('ready'); setInterval(() => {}, 1000);";
    const cli = startCli(['exec', '--', process.execPath, '-e', script], sandbox.env());
    await cli.waitForStderr(/ready/);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.stdout).toBe('got SIGTERM\n');
    expect(result.code).toBe(42);
  });

  it('ends by the signal that ended its command, as the command would have, so a shell loop stops', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    for (const flags of [[], ['--min-ttl', '60']]) {
      for (const signal of ['INT', 'TERM', 'KILL'] as const) {
        const cli = startCli(['exec', ...flags, '--', 'sh', '-c', `kill -${signal} $$`], sandbox.env());
        expect(await cli.done, `${flags.join(' ')} ${signal}`).toMatchObject({ code: null, signal: `SIG${signal}` });
      }
      // A signal that would dump core is passed on as its code: node's core is of no use to anyone.
      const segv = await runCli(['exec', ...flags, '--', 'sh', '-c', 'kill -SEGV $$'], sandbox.env());
      expect(segv).toMatchObject({ code: 139, signal: null });
    }
  });
});

describe('exec and Ctrl-C', () => {
  /** Counts the signals it gets, and ends 300 ms after the first with 10 + their number. */
  const counterOf = (signal: NodeJS.Signals) =>
    `let n = 0; process.on('${signal}', () => { if (n++ === 0) setTimeout(() => process.exit(10 + n), 300); }); console.log('ready'); setInterval(() => {}, 1000);`;
  const counter = counterOf('SIGINT');
  const shellQuoted = (words: string[]) => words.map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');

  /** Waits for `ready` on a stream, then resolves with the exit code. The child is killed if the test ends first. */
  function readyThenDone(
    child: ChildProcess,
    stream: Readable,
  ): { ready: Promise<void>; done: Promise<number | null> } {
    onTestFinished(() => void child.kill('SIGKILL'));
    let seen = '';
    const ready = new Promise<void>((resolve, reject) => {
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        seen += chunk;
        if (seen.includes('ready')) resolve();
      });
      child.once('close', () => reject(new Error(`ended before it was ready: ${seen}`)));
    });
    const done = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    return { ready, done };
  }

  /**
   * Runs podio-auth with `args` on a new pseudo-terminal (`script`), as logged in; once the command is ready, types
   * `key` there, which the terminal sends to its foreground group. Resolves with the exit code.
   */
  async function typedOnTerminal(args: string[], key: string): Promise<number | null> {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const terminal = spawn('script', ['-qec', `exec ${shellQuoted([process.execPath, BIN, ...args])}`, '/dev/null'], {
      env: sandbox.env() as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const { ready, done } = readyThenDone(terminal, terminal.stdout);
    await ready;
    terminal.stdin.write(key);
    return done;
  }
  const CTRL_C = '\u0003';
  const CTRL_BACKSLASH = '\u001c';

  for (const [path, flags] of [
    ['the fast path', []],
    ['the full CLI', ['--min-ttl', '60']],
  ] as [string, string[]][]) {
    it(`${path}: one Ctrl-C on the terminal reaches the command once; exec exits with its code`, async () => {
      expect(await typedOnTerminal(['exec', ...flags, '--', process.execPath, '-e', counter], CTRL_C)).toBe(11);
    });
  }

  it("a Ctrl-C reaches a command that left the terminal's group (setsid, timeout) through podio-auth", async () => {
    const args = ['exec', '--', 'setsid', '-w', process.execPath, '-e', counter];
    expect(await typedOnTerminal(args, CTRL_C)).toBe(11);
  });

  it('Ctrl-\\ on the terminal reaches the command once, and podio-auth waits for it to end', async () => {
    const args = ['exec', '--', process.execPath, '-e', counterOf('SIGQUIT')];
    expect(await typedOnTerminal(args, CTRL_BACKSLASH)).toBe(11);
  });

  it('a SIGINT sent to podio-auth alone, with no terminal, is forwarded to the command once', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    // A session of its own: no controlling terminal, as under a supervisor or a CI runner.
    const cli = spawn(process.execPath, [BIN, 'exec', '--', process.execPath, '-e', counter], {
      env: sandbox.env() as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const { ready, done } = readyThenDone(cli, cli.stdout);
    await ready;
    cli.kill('SIGINT');
    expect(await done).toBe(11);
  });
});
