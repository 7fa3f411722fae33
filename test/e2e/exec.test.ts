import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { aMinuteAgo, BIN, inAnHour, runCli, runMain, startCli, startSandbox } from '../support/cli.js';
import { APP } from '../support/fake-podio.js';

function parseDotenv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('export', () => {
  it('prints what env-only mode needs; exactly that, in an empty config dir, gives a valid token and writes nothing', async () => {
    const { podio, sandbox } = await startSandbox({ rotateRefreshTokens: true });
    expect((await runMain(['login'], sandbox.env())).code).toBe(0);
    const exported = await runMain(['export', '--format', 'dotenv'], sandbox.env());
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/rotate refresh tokens/);
    const variables = parseDotenv(exported.stdout);
    const profile = sandbox.readConfig().profiles['default']!;
    expect(variables).toEqual({
      PODIO_CLIENT_ID: podio.options.clientId,
      PODIO_CLIENT_SECRET: podio.options.clientSecret,
      PODIO_REFRESH_TOKEN: profile['refresh_token'],
      PODIO_API_URL: podio.url,
    });
    const emptyDir = `${sandbox.root}/ci-config`;
    const ci = await runMain(['token'], { ...variables, PODIO_AUTH_CONFIG_DIR: emptyDir });
    expect(ci.code).toBe(0);
    expect(podio.isValidAccessToken(ci.stdout.trim())).toBe(true);
    expect(existsSync(emptyDir)).toBe(false);
    expect(readdirSync(sandbox.root).sort()).toEqual(['config']);
  });

  it('exports the app pair for an app login, and the shell and JSON formats carry the same', async () => {
    const { sandbox } = await startSandbox();
    await runMain(['login', '--app', APP.app_id], sandbox.env({ PODIO_APP_TOKEN: APP.app_token }));
    const json = JSON.parse((await runMain(['export', '--format', 'json'], sandbox.env())).stdout);
    expect(json).toMatchObject({ PODIO_APP_ID: APP.app_id, PODIO_APP_TOKEN: APP.app_token });
    expect(json.PODIO_REFRESH_TOKEN).toBeUndefined();
    const shell = (await runMain(['export', '--format', 'shell'], sandbox.env())).stdout;
    const echoed = execFileSync('sh', ['-c', `${shell}\necho "$PODIO_APP_TOKEN|$PODIO_CLIENT_SECRET"`], {
      encoding: 'utf8',
    });
    expect(echoed).toBe(`${APP.app_token}|${json.PODIO_CLIENT_SECRET}\n`);
    const github = (await runMain(['export', '--format', 'github'], sandbox.env())).stdout;
    expect(parseDotenv(github)).toEqual(json);
  });

  it('refuses to print secrets to a terminal unless --reveal is given', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const run = async (argv: string[]) => {
      const result = await runMain(argv, sandbox.env(), '', { stdoutIsTTY: true });
      return { code: result.code, out: result.stdout };
    };
    expect(await run(['export'])).toEqual({ code: 2, out: '' });
    const revealed = await run(['export', '--reveal']);
    expect(revealed.code).toBe(0);
    expect(revealed.out).toContain('PODIO_REFRESH_TOKEN=');
  });

  it('refuses on a real terminal too, where the launcher asks the system whether stdout is one', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const refreshToken = sandbox.readConfig().profiles['default']?.['refresh_token'] as string;
    // `script` runs the command on a new pseudo-terminal and passes on its exit code.
    const quoted = [process.execPath, BIN, 'export'].map((word) => `'${word}'`).join(' ');
    const onTerminal = spawnSync('script', ['-qec', quoted, '/dev/null'], {
      env: sandbox.env() as NodeJS.ProcessEnv,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(onTerminal.status).toBe(2);
    expect(onTerminal.stdout).toContain('--reveal');
    expect(onTerminal.stdout).not.toContain(refreshToken);
  });

  it('needs a login (exit 4)', async () => {
    const { sandbox } = await startSandbox();
    const result = await runMain(['export'], sandbox.env());
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
  });
});

describe('exec', () => {
  it('runs the command with a valid PODIO_ACCESS_TOKEN and without the long-lived secrets', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(new Date(Date.now() - 60_000));
    const script =
      'console.log(JSON.stringify({ token: process.env.PODIO_ACCESS_TOKEN, secret: process.env.PODIO_CLIENT_SECRET ?? null }))';
    const result = await runCli(['exec', '--', process.execPath, '-e', script], sandbox.env());
    expect(result.code).toBe(0);
    const seen = JSON.parse(result.stdout);
    expect(podio.isValidAccessToken(seen.token)).toBe(true);
    expect(seen.token).toBe(sandbox.readConfig().profiles['default']!['access_token']);
    expect(seen.secret).toBeNull();
  });

  it('passes on the exit code, and 127 for a command that does not exist', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    expect((await runCli(['exec', '--', process.execPath, '-e', 'process.exit(7)'], sandbox.env())).code).toBe(7);
    const missing = await runCli(['exec', '--', 'no-such-command-here'], sandbox.env());
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('Command not found: no-such-command-here');
  });

  it('keeps control characters in a command name off the terminal, and the line short, on both paths', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const name = '\u001b]0;pwned\u0007\u001b[2Jnope';
    for (const flags of [[], ['--min-ttl', '60']]) {
      const result = await runCli(['exec', ...flags, '--', name], sandbox.env());
      expect(result).toMatchObject({ code: 127, stderr: '✗ Command not found:  ]0;pwned  [2Jnope\n' });
      const long = await runCli(['exec', ...flags, '--', `\u001b[2J${'x'.repeat(5_000)}`], sandbox.env());
      expect(long.code).toBe(126);
      expect(long.stderr).toMatch(/^✗ Could not run {2}\[2Jx+…\n$/);
      expect(long.stderr.length).toBeLessThan(2_100);
    }
  });

  it("prints no warning of Node's own in any command, even under --pending-deprecation", async () => {
    const { sandbox } = await startSandbox();
    const nodeWarning = /\(node:\d+\)|Warning:/;
    for (const extra of [{ NODE_OPTIONS: '--pending-deprecation' }, { NODE_PENDING_DEPRECATION: '1' }]) {
      const env = { ...sandbox.env(), ...extra };
      sandbox.storeLogin(inAnHour());
      expect(await runCli(['exec', '--', 'sh', '-c', 'exit 3'], env)).toMatchObject({
        code: 3,
        stdout: '',
        stderr: '',
      });
      expect(await runCli(['exec', '--min-ttl', '60', '--', 'true'], env)).toMatchObject({ code: 0, stderr: '' });
      expect(await runCli(['token'], env)).toMatchObject({ code: 0, stderr: '' });
      // A refresh, through the full CLI's HTTP client and store.
      sandbox.editProfile('default', { expires_at: aMinuteAgo() });
      expect(await runCli(['token', '--json'], env)).toMatchObject({ code: 0, stderr: '' });
      for (const args of [['export'], ['status'], ['api', '/user/status'], ['profiles'], ['--help'], ['doctor']]) {
        const result = await runCli(args, env);
        expect(result.stderr, args.join(' ')).not.toMatch(nodeWarning);
        expect(result.stdout, args.join(' ')).not.toMatch(nodeWarning);
      }
    }
  });

  it("runs under Node's permission model where it allows child processes, and says so in one line where not", async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    // The flag's name by what this Node accepts in NODE_OPTIONS: Node 20 knows only the experimental one, and
    // Node 24 and later refuse it.
    const flag = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
    const permission = `${flag} --allow-fs-read=*`;
    const allowed = await runCli(['exec', '--', 'sh', '-c', 'exit 5'], {
      ...sandbox.env(),
      NODE_OPTIONS: `${permission} --allow-child-process`,
    });
    expect(allowed.code).toBe(5);
    const refused = await runCli(['exec', '--', 'sh', '-c', 'exit 5'], { ...sandbox.env(), NODE_OPTIONS: permission });
    expect(refused.code).toBe(126);
    // Node's own warnings about the permission model aside, one line and no stack trace.
    expect(refused.stderr.split('\n').filter((line) => line.startsWith('✗'))).toEqual([
      '✗ Could not run sh (ERR_ACCESS_DENIED).',
    ]);
    expect(refused.stderr).not.toMatch(/^\s+at /m);
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

  it('exits 4 without running anything when not logged in', async () => {
    const { sandbox } = await startSandbox();
    const result = await runCli(['exec', '--', process.execPath, '-e', 'console.log("ran")'], sandbox.env());
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
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
