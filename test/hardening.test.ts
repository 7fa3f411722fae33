import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { aMinuteAgo, BIN, errorLines, inAnHour, ROOT, runCli, runMain, startSandbox } from './support/cli.js';

/**
 * What must hold under odd input and broken surroundings: odd answers from Podio, a launcher that cannot load,
 * broken streams, bad settings, hostile files. The faults that need real time or real privileges (signals
 * mid-refresh, stopped or killed lock holders, a full disk) are in faults.test.ts, in the system suite.
 */

const isRoot = process.getuid?.() === 0;

describe("Podio's answer to a refresh", () => {
  for (const expires of [1e13, 'Infinity', true, [60], 0, -1]) {
    it(`with expires_in ${JSON.stringify(expires)}: its new refresh token is stored, exit 1, one line`, async () => {
      const { podio, sandbox } = await startSandbox();
      sandbox.storeLogin(aMinuteAgo());
      const fresh = podio.issueTokens();
      podio.overrideNextTokenAnswer(() => ({
        status: 200,
        body: {
          access_token: 'a'.repeat(40),
          expires_in: expires,
          refresh_token: fresh.refresh_token,
          token_type: 'bearer',
        },
      }));
      const result = await runMain(['token'], sandbox.env());
      expect(result.code).toBe(1);
      expect(errorLines(result)).toEqual([
        expect.stringMatching(/expires_in .* The new refresh token it sent is stored/),
      ]);
      expect(result.stdout).toBe('');
      expect(sandbox.readConfig().profiles['default']!['refresh_token']).toBe(fresh.refresh_token);
      const next = await runMain(['token'], sandbox.env());
      expect(next.code).toBe(0);
    });
  }

  it('with control characters in the token: refused, nothing printed raw', async () => {
    const { podio, sandbox } = await startSandbox();
    const old = sandbox.storeLogin(aMinuteAgo());
    podio.overrideNextTokenAnswer(() => ({
      status: 200,
      body: { access_token: 'evil\u001b]0;pwned\u0007', expires_in: 3600 },
    }));
    const result = await runMain(['token'], sandbox.env());
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).not.toContain('\u001b');
    expect(sandbox.readConfig().profiles['default']!['refresh_token']).toBe(old.refresh_token);
  });

  it('for another user than the profile: refused, nothing stored', async () => {
    const { podio, sandbox } = await startSandbox();
    const old = sandbox.storeLogin(aMinuteAgo());
    podio.overrideNextTokenAnswer(() => ({
      status: 200,
      body: {
        access_token: 'b'.repeat(40),
        expires_in: 3600,
        refresh_token: 'c'.repeat(40),
        ref: { type: 'user', id: 99 },
      },
    }));
    const result = await runMain(['token'], sandbox.env());
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(/answered for user 99, but profile "default" belongs to user 4242; nothing was stored/),
    ]);
    expect(sandbox.readConfig().profiles['default']!['refresh_token']).toBe(old.refresh_token);
  });
});

describe('a launcher that cannot load what it needs', () => {
  it('says so in one line, exit 1: a hint to build when nothing is built, the reason otherwise', async () => {
    const root = mkdtempSync(join(tmpdir(), 'podio-auth-unbuilt-'));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
    const launcher = join(root, 'bin', 'podio-auth.js');
    const run = (args: string[]) =>
      spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] } });
    for (const args of [['token'], ['status']]) {
      const unbuilt = run(args);
      expect(unbuilt.status).toBe(1);
      expect(unbuilt.stderr).toBe(
        '✗ podio-auth is not built yet.\nRun `npm run build` in its folder first (after `npm ci`).\n',
      );
    }
    // There, but not loadable: the reason, in one line.
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'dist', 'fast-token.cjs'), 'not javascript');
    writeFileSync(join(root, 'dist', 'cli', 'cli.js'), 'not javascript');
    for (const args of [['token'], ['status']]) {
      const broken = run(args);
      expect(broken.status).toBe(1);
      expect(broken.stderr).toMatch(/^✗ podio-auth could not start: [^\n]+\.\n$/);
    }
  });
});

describe('streams', () => {
  it('token and export to /dev/full: exit 1, one line, no stack trace', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    for (const args of [['token'], ['token', '--json'], ['export'], ['status']]) {
      // Not spawnSync: the fake Podio runs in this process and must keep answering.
      const child = spawn(process.execPath, [BIN, ...args], {
        env: sandbox.env() as NodeJS.ProcessEnv,
        stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'],
      });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(status, args.join(' ')).toBe(1);
      expect(
        stderr.split('\n').filter((line) => line.startsWith('✗')),
        args.join(' '),
      ).toEqual([expect.stringMatching(/Could not write to standard output \(ENOSPC\)/)]);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a closed stderr never aborts a login in progress', async () => {
    const { sandbox } = await startSandbox();
    const child = spawn(process.execPath, [BIN, 'login'], {
      env: sandbox.env() as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(sandbox.readConfig().profiles['default']!['access_token']).toEqual(expect.any(String));
  });
});

describe('inputs that used to crash or mislead', () => {
  it('bad settings are one line with the right exit code', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const cases: [Record<string, string>, string[], number, RegExp][] = [
      [
        { PODIO_AUTH_HTTP_TIMEOUT: '99999999' },
        ['status'],
        2,
        /PODIO_AUTH_HTTP_TIMEOUT must be a number of seconds from 1 to 3600/,
      ],
      [{ PODIO_AUTH_HTTP_TIMEOUT: '2147484' }, ['status'], 2, /PODIO_AUTH_HTTP_TIMEOUT/],
      [{ PODIO_AUTH_HTTP_TIMEOUT: 'soon' }, ['status'], 2, /PODIO_AUTH_HTTP_TIMEOUT/],
      [{ PODIO_API_URL: 'not a url' }, ['status'], 2, /PODIO_API_URL is not a URL/],
      [
        { PODIO_AUTH_CONFIG_DIR: '/proc/podio-auth' },
        ['login', '--app', '777'],
        1,
        /Could not write \/proc\/podio-auth\/config\.json/,
      ],
    ];
    for (const [env, args, code, message] of cases) {
      const result = await runCli(args, sandbox.env({ PODIO_APP_TOKEN: 'app-token-0123456789abcdef', ...env }));
      expect(result.code, JSON.stringify(env)).toBe(code);
      expect(errorLines(result), JSON.stringify(env)).toEqual([expect.stringMatching(message)]);
      expect(result.stderr).not.toMatch(/Unexpected error|\n\s+at /);
    }
    const doctor = await runCli(['doctor'], sandbox.env({ PODIO_API_URL: 'not a url' }));
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/✗ PODIO_API_URL is not a URL/);
  });

  it('a stored access token that is not a string is an error about the file, never printed', async () => {
    const { sandbox } = await startSandbox();
    for (const value of [{ a: 1 }, true, 12345]) {
      sandbox.storeLogin(inAnHour());
      sandbox.editProfile('default', { access_token: value });
      const result = await runCli(['token'], sandbox.env());
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(errorLines(result)).toEqual([
        expect.stringMatching(/profile "default" whose field "access_token" is not a string/),
      ]);
    }
  });

  it('never echoes a value given to an option, nor prints a fragment of a broken config with --debug', async () => {
    const { sandbox } = await startSandbox();
    for (const args of [
      ['login', '--client-secret=TOPSECRET-1'],
      ['login', '--app-token=TOPSECRET-1'],
      ['login', '--password=TOPSECRET-1'],
      ['token', '--min-ttl=TOPSECRET-1'],
    ]) {
      const result = await runMain(args, sandbox.env());
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).not.toContain('TOPSECRET');
      expect(errorLines(result)).toHaveLength(1);
    }
    const secretHint = await runMain(['login', '--client-secret', 'x'], sandbox.env());
    expect(secretHint.stderr).toMatch(/PODIO_CLIENT_SECRET.*--client-secret-stdin/);
    sandbox.writeConfig('{"profiles": {"default": {"refresh_token": "STORED-SECRET-42", oops}}}');
    const debug = await runMain(['--debug', 'token'], sandbox.env());
    expect(debug.code).toBe(1);
    expect(debug.stderr).not.toContain('STORED-SECRET');
  });

  it('profiles that do not exist are not reported as changed (constructor, __proto__)', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour(), 'work');
    for (const name of ['constructor', 'toString']) {
      const use = await runMain(['profiles', 'use', name], sandbox.env());
      expect(use.code).toBe(2);
      expect(use.stderr).toMatch(new RegExp(`There is no profile "${name}"`));
      const logout = await runMain(['logout', '--profile', name], sandbox.env());
      expect(logout.stderr).toMatch(/nothing to do/);
    }
    expect(Object.keys(sandbox.readConfig().profiles)).toEqual(['work']);
  });

  it('a config dir that cannot be made private or written is found before the browser opens', async () => {
    const { podio, sandbox } = await startSandbox();
    mkdirSync(sandbox.configDir, { recursive: true });
    writeFileSync(join(sandbox.configDir, 'config.json'), '{"profiles": {}}');
    chmodSync(sandbox.configDir, 0o500);
    onTestFinished(() => chmodSync(sandbox.configDir, 0o700));
    const result = await runCli(['login'], sandbox.env(), '');
    if (isRoot) {
      // Root can write anywhere; the check still runs (and passes).
      expect(result.code).toBe(0);
    } else {
      expect(result.code).toBe(1);
      expect(podio.authorizeRequests).toHaveLength(0);
    }
    // A directory nobody can write to, root included (the kernel's own): the same check stops the login first.
    const kernels = '/proc/self/fdinfo';
    const blocked = await runCli(['login'], sandbox.env({ PODIO_AUTH_CONFIG_DIR: kernels }), '');
    expect(blocked.code).toBe(1);
    expect(errorLines(blocked)).toEqual([expect.stringContaining(`${kernels}/config.json`)]);
    expect(podio.authorizeRequests).toHaveLength(isRoot ? 1 : 0);
  });
});

describe('what an adversarial review found', () => {
  it('never echoes what may be a secret typed in the wrong place', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    for (const args of [
      ['login', '--app=SUPERSECRET99'],
      ['api', '/x', '-H', 'X-Key=SUPERSECRET99'],
    ]) {
      const result = await runMain(args, sandbox.env());
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).not.toContain('SUPERSECRET99');
    }
  });

  it('the fast path answers nothing past a setting the full CLI refuses', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    for (const env of [
      { PODIO_AUTH_HTTP_TIMEOUT: '0' },
      { PODIO_AUTH_STORE: 'garbage' },
      { PODIO_AUTH_LOCK_STALE_SECONDS: '0' },
    ]) {
      const result = await runCli(['token'], sandbox.env(env));
      expect(result.code, JSON.stringify(env)).toBe(2);
      expect(result.stdout).toBe('');
    }
  });

  it('keeps control characters from Podio out of the terminal (scope, ref)', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(aMinuteAgo());
    const fresh = podio.issueTokens();
    podio.overrideNextTokenAnswer(() => ({
      status: 200,
      body: { ...fresh, scope: 'global:all\u001b]0;pwned\u0007', ref: { type: 'user', id: 4242 } },
    }));
    const result = await runMain(['status'], sandbox.env());
    expect(result.stdout + result.stderr).not.toContain('\u001b');
  });

  it('writes a symlinked config.json where it really lives, keeping the link', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(aMinuteAgo());
    const real = join(sandbox.root, 'dotfiles-config.json');
    writeFileSync(real, readFileSync(sandbox.configFile), { mode: 0o600 });
    rmSync(sandbox.configFile);
    symlinkSync(real, sandbox.configFile);
    expect((await runMain(['token'], sandbox.env())).code).toBe(0);
    expect(lstatSync(sandbox.configFile).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(real, 'utf8')).profiles.default.expires_at).not.toBe(undefined);
    expect(Date.parse(JSON.parse(readFileSync(real, 'utf8')).profiles.default.expires_at)).toBeGreaterThan(Date.now());
  });

  it('refuses to make a shared (sticky) directory private', async () => {
    const { podio, sandbox } = await startSandbox();
    const shared = join(sandbox.root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const result = await runMain(
      ['login', '--app', '777'],
      sandbox.env({ PODIO_AUTH_CONFIG_DIR: shared, PODIO_APP_TOKEN: 'app-token-0123456789abcdef' }),
    );
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([expect.stringMatching(/is a shared directory or not yours/)]);
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
    expect(podio.tokenRequests).toHaveLength(0);
  });
});
