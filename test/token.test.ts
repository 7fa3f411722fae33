import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorLines, expectClean, runCli, startSandbox, type Sandbox } from './support/cli.js';
import { RecordingProxy } from './support/proxy.js';
import { USER, type FakePodio, type FakePodioOptions } from './support/fake-podio.js';

let podio: FakePodio;
let sandbox: Sandbox;

async function setup(options: FakePodioOptions = {}): Promise<void> {
  ({ podio, sandbox } = await startSandbox(options));
}

const inAnHour = () => new Date(Date.now() + 3_600_000);
const aMinuteAgo = () => new Date(Date.now() - 60_000);

function storedProfile(name = 'default'): Record<string, unknown> {
  return sandbox.readConfig().profiles[name]!;
}


describe('token', () => {
  it('prints the stored token and nothing else while it is valid, without calling Podio', async () => {
    await setup();
    const { access_token } = sandbox.storeLogin(inAnHour());
    const result = await runCli(['token'], sandbox.env());
    expect(result).toMatchObject({ code: 0, stdout: `${access_token}\n`, stderr: '' });
    expect(podio.tokenRequests).toHaveLength(0);
  });

  it('answers without loading the ES module loader, commander or undici (the launcher\'s fast path)', async () => {
    await setup();
    const { access_token } = sandbox.storeLogin(inAnHour());
    const result = await runCli(['token'], sandbox.env({ NODE_DEBUG: 'esm' }));
    expect(result).toMatchObject({ code: 0, stdout: `${access_token}\n`, stderr: '' });
    // The same call that needs the full command does go through the module loader, which NODE_DEBUG=esm reports.
    const full = await runCli(['token', '--json'], sandbox.env({ NODE_DEBUG: 'esm' }));
    expect(full.stderr).toMatch(/^ESM \d+:/m);
  });

  it('prints JSON with --json', async () => {
    await setup();
    const expiresAt = inAnHour();
    const { access_token } = sandbox.storeLogin(expiresAt);
    const result = await runCli(['token', '--json'], sandbox.env());
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      access_token,
      token_type: 'bearer',
      expires_at: expiresAt.toISOString(),
      profile: 'default',
      ref: { type: 'user', id: 4242 },
    });
  });

  it('refreshes an expired token once, stores the rotated refresh token, and reuses the new token', async () => {
    await setup();
    const old = sandbox.storeLogin(aMinuteAgo());
    const first = await runCli(['token'], sandbox.env());
    expect(first.code).toBe(0);
    const profile = storedProfile();
    expect(first.stdout).toBe(`${profile['access_token']}\n`);
    expect(profile['access_token']).not.toBe(old.access_token);
    expect(podio.isValidAccessToken(profile['access_token'] as string)).toBe(true);
    expect(profile['refresh_token']).not.toBe(old.refresh_token);
    expect(podio.isLiveRefreshToken(profile['refresh_token'] as string)).toBe(true);
    // A new refresh token starts its 28 days over (doctor reads this).
    expect(Date.now() - Date.parse(profile['refresh_obtained_at'] as string)).toBeLessThan(60_000);
    expect(sandbox.mode(sandbox.configFile)).toBe(0o600);

    const second = await runCli(['token'], sandbox.env());
    expect(second.stdout).toBe(first.stdout);
    expect(podio.grants('refresh_token')).toHaveLength(1);
    expect(podio.grants('refresh_token')[0]?.fields['refresh_token']).toBe(old.refresh_token);
  });

  it('refreshes a token that expires within five minutes', async () => {
    await setup();
    const old = sandbox.storeLogin(new Date(Date.now() + 120_000));
    const result = await runCli(['token'], sandbox.env());
    expect(result.code).toBe(0);
    expect(result.stdout).not.toBe(`${old.access_token}\n`);
    expect(podio.grants('refresh_token')).toHaveLength(1);
  });

  it('keeps the stored refresh token when Podio does not rotate it', async () => {
    await setup({ rotateRefreshTokens: false });
    const old = sandbox.storeLogin(aMinuteAgo());
    const result = await runCli(['token'], sandbox.env());
    expect(result.code).toBe(0);
    expect(storedProfile()['refresh_token']).toBe(old.refresh_token);
    expect(storedProfile()['refresh_obtained_at']).toBeUndefined();
  });

  it('makes exactly one refresh for twelve concurrent calls on an expired, rotating token', async () => {
    await setup({ tokenDelayMs: 300, rotateRefreshTokens: true });
    sandbox.storeLogin(aMinuteAgo());
    const results = await Promise.all(Array.from({ length: 12 }, () => runCli(['token'], sandbox.env())));
    const stored = storedProfile()['access_token'];
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${stored}\n`);
    }
    expect(podio.grants('refresh_token')).toHaveLength(1);
    expect(podio.isValidAccessToken(stored as string)).toBe(true);
    expect(existsSync(`${sandbox.configFile}.lock`)).toBe(false);
  });

  it('makes one refresh for concurrent calls even when Podio\'s tokens live only seconds', async () => {
    // The refresh answers 2.5 s into a 4 s lifetime: the waiters find a token with less than the usual margin left.
    await setup({ tokenDelayMs: 2500, expiresIn: 4 });
    sandbox.storeLogin(aMinuteAgo());
    const results = await Promise.all(Array.from({ length: 12 }, () => runCli(['token'], sandbox.env())));
    for (const result of results) expect(result.code).toBe(0);
    expect(new Set(results.map((result) => result.stdout)).size).toBe(1);
    expect(podio.grants('refresh_token')).toHaveLength(1);
  });

  for (const fault of ['rate-limit', 'server-error', 'reset'] as const) {
    it(`${fault} on refresh: exit 1, no stale token, stored refresh token still works`, async () => {
      await setup();
      const old = sandbox.storeLogin(aMinuteAgo());
      const before = readFileSync(sandbox.configFile, 'utf8');
      podio.fault('/oauth/token/v2', fault);
      const failed = await runCli(['token'], sandbox.env());
      expect(failed.code).toBe(1);
      expect(failed.stdout).toBe('');
      expect(errorLines(failed)).toHaveLength(1);
      expectClean(failed, sandbox);
      expect(failed.stderr).not.toContain(old.refresh_token);
      expect(readFileSync(sandbox.configFile, 'utf8')).toBe(before);

      const next = await runCli(['token'], sandbox.env());
      expect(next.code).toBe(0);
      expect(podio.isValidAccessToken(next.stdout.trim())).toBe(true);
    });
  }

  it('never sends a loopback API origin through HTTP_PROXY / HTTPS_PROXY (test/http.test.ts covers proxies)', async () => {
    await setup();
    const proxy = await new RecordingProxy().start();
    try {
      sandbox.storeLogin(aMinuteAgo());
      const direct = await runCli(['token'], sandbox.env({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url }));
      expect(direct.code).toBe(0);
      expect(proxy.seen).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });

  it('exits 4 when Podio rejects the refresh token', async () => {
    await setup();
    sandbox.storeLogin(aMinuteAgo());
    sandbox.editProfile('default', { refresh_token: 'revoked' });
    const result = await runCli(['token'], sandbox.env());
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/rejected the refresh token/);
    expect(result.stderr).toMatch(/podio-auth login/);
    expect(result.stderr).not.toContain('revoked');
    expectClean(result, sandbox);
  });

  it('exits 4 when not logged in, with an empty stdout', async () => {
    await setup();
    const result = await runCli(['token'], sandbox.env());
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Not logged in \(profile "default"\)/);
    expect(existsSync(sandbox.configDir)).toBe(false);
  });

  it('keeps profiles apart', async () => {
    await setup();
    const { access_token } = sandbox.storeLogin(inAnHour(), 'work');
    expect((await runCli(['token', '--profile', 'work'], sandbox.env())).stdout).toBe(`${access_token}\n`);
    expect((await runCli(['token'], sandbox.env({ PODIO_PROFILE: 'work' }))).stdout).toBe(`${access_token}\n`);
    expect((await runCli(['token'], sandbox.env())).code).toBe(4);
    expect((await runCli(['token', '--profile', '../etc'], sandbox.env())).code).toBe(2);
  });
});

describe('a config file that cannot be parsed', () => {
  for (const args of [['token'], ['status'], ['logout'], ['login', '--no-browser']]) {
    it(`${args[0]}: names the file, exits 1, leaves it unchanged`, async () => {
      await setup();
      const garbage = '{"profiles": {"default": {"access_token": "abc", ';
      sandbox.writeConfig(garbage);
      const result = await runCli(args, sandbox.env());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(sandbox.configFile);
      expect(result.stderr).toMatch(/not valid JSON/);
      expect(errorLines(result)).toHaveLength(1);
      expectClean(result, sandbox);
      expect(readFileSync(sandbox.configFile, 'utf8')).toBe(garbage);
      expect(podio.authorizeRequests).toHaveLength(0);
    });
  }
});

describe('status', () => {
  it('names the user, the expiry and the file; --json too', async () => {
    await setup();
    const expiresAt = inAnHour();
    sandbox.storeLogin(expiresAt);
    const text = await runCli(['status'], sandbox.env());
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${USER.name} <${USER.mail}> (user ${USER.user_id})`);
    expect(text.stdout).toContain(expiresAt.toISOString());
    const json = await runCli(['status', '--json'], sandbox.env());
    expect(JSON.parse(json.stdout)).toMatchObject({
      profile: 'default',
      user: { id: USER.user_id, name: USER.name, mail: USER.mail },
      expires_at: expiresAt.toISOString(),
      config_file: sandbox.configFile,
    });
  });

  it('exits 4 when not logged in or when Podio rejects the token', async () => {
    await setup();
    expect((await runCli(['status'], sandbox.env())).code).toBe(4);
    sandbox.storeLogin(inAnHour());
    sandbox.editProfile('default', { access_token: 'not-a-token' });
    const rejected = await runCli(['status'], sandbox.env());
    expect(rejected.code).toBe(4);
    expect(rejected.stderr).toMatch(/rejected the access token/);
  });

  it('exits 1 when Podio is rate limiting', async () => {
    await setup();
    sandbox.storeLogin(inAnHour());
    podio.fault('/user/status', 'rate-limit');
    const result = await runCli(['status'], sandbox.env());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/rate limit/);
  });
});

describe('logout', () => {
  it('removes the profile and its secrets, keeps the others', async () => {
    await setup();
    sandbox.storeLogin(inAnHour(), 'default');
    const work = sandbox.storeLogin(inAnHour(), 'work');
    const result = await runCli(['logout'], sandbox.env());
    expect(result.code).toBe(0);
    const config = sandbox.readConfig();
    expect(Object.keys(config.profiles)).toEqual(['work']);
    expect((await runCli(['token', '--profile', 'work'], sandbox.env())).stdout).toBe(`${work.access_token}\n`);
    const again = await runCli(['logout'], sandbox.env());
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/was not logged in/);
  });
});
