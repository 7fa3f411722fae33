import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, inAnHour, ROOT, runCli, startSandbox } from '../support/cli.js';

/** Standard input that never ends a line, waited out on the real clock. */

describe('a line on standard input that never ends', () => {
  it('a pasted line of megabytes without a newline is dropped, and the login goes on', async () => {
    const { podio, sandbox } = await startSandbox({ decision: 'ask' });
    const result = await runCli(
      ['login', '--no-browser', '--timeout', '2'],
      sandbox.env(),
      'x'.repeat(4 * 1024 * 1024),
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/A line of more than 64 KiB was ignored/);
    expect(podio.authorizeRequests).toHaveLength(0);
  });
});

describe('standard output that another process made non-blocking', () => {
  it('a full pipe (EAGAIN) is waited on: the answer arrives whole once the reader drains it, exit 0', async () => {
    const { sandbox } = await startSandbox();
    const tokens = sandbox.storeLogin(inAnHour());
    const sync = join(sandbox.root, 'sync');
    expect(spawnSync('mkfifo', [sync]).status).toBe(0);
    // A Node process shares the pipe, fills it and keeps it full; then `export` writes to it.
    const filler = join(ROOT, 'test', 'support', 'fill-pipe.cjs');
    const script = 'node "$1" 3>"$2" & read -r _ <"$2"; exec node "$3" export';
    const child = spawn('sh', ['-c', script, 'sh', filler, sync, BIN], {
      env: sandbox.env() as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pause();
    const closed = new Promise((resolve) => child.on('close', resolve));
    let stdout = '';
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        // Its warning is written just before the variables: only now is the pipe drained.
        if (stderr.includes('Podio may rotate refresh tokens')) resolve();
      });
      void closed.then(() => resolve());
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stdout.resume();
    const code = await closed;
    expect(stderr).not.toMatch(/Could not write/);
    expect(code).toBe(0);
    const answer = stdout.replace(/~/g, '');
    expect(answer).toContain(`PODIO_REFRESH_TOKEN=${tokens.refresh_token}\n`);
    expect(answer).toMatch(/^(PODIO_[A-Z_]+=\S+\n)+$/);
  });
});
