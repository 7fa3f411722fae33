import { describe, expect, it } from 'vitest';
import { inAnHour, runMain, startSandbox } from '../support/cli.js';
import { USER } from '../support/fake-podio.js';

describe('profiles', () => {
  it('login --profile work leaves the default profile logged out; PODIO_PROFILE picks it too', async () => {
    const { sandbox } = await startSandbox();
    expect((await runMain(['login', '--profile', 'work'], sandbox.env())).code).toBe(0);
    const work = await runMain(['token', '--profile', 'work'], sandbox.env());
    expect(work.code).toBe(0);
    expect(work.stdout).toBe(`${sandbox.readConfig().profiles['work']!['access_token']}\n`);
    expect((await runMain(['token'], sandbox.env())).code).toBe(4);
    expect((await runMain(['token'], sandbox.env({ PODIO_PROFILE: 'work' }))).stdout).toBe(work.stdout);
    const json = await runMain(['token', '--json', '--profile', 'work'], sandbox.env());
    expect(JSON.parse(json.stdout)).toMatchObject({
      access_token: work.stdout.trim(),
      profile: 'work',
      token_type: 'bearer',
    });
  });

  it('lists profiles with the default, who and expiry, as text and JSON', async () => {
    const { sandbox } = await startSandbox();
    await runMain(['login', '--profile', 'work'], sandbox.env());
    const expiresAt = inAnHour();
    sandbox.storeLogin(expiresAt, 'default');
    const json = JSON.parse((await runMain(['profiles', '--json'], sandbox.env())).stdout);
    expect(json.default).toBe('default');
    expect(json.profiles).toEqual([
      {
        name: 'default',
        default: true,
        who: 'user 4242',
        grant: null,
        store: 'file',
        expires_at: expiresAt.toISOString(),
        logged_in: true,
      },
      expect.objectContaining({
        name: 'work',
        default: false,
        who: `${USER.name} <${USER.mail}>`,
        grant: 'authorization_code',
      }),
    ]);
    const text = await runMain(['profiles'], sandbox.env());
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^\* default +user 4242 +token expires in \d+ min$/m);
    expect(text.stdout).toMatch(/^ {2}work +Ada/m);
  });

  it('`profiles use` sets the default; --profile and PODIO_PROFILE still win', async () => {
    const { sandbox } = await startSandbox();
    const work = sandbox.storeLogin(inAnHour(), 'work');
    const other = sandbox.storeLogin(inAnHour(), 'other');
    expect((await runMain(['profiles', 'use', 'work'], sandbox.env())).code).toBe(0);
    expect((await runMain(['token'], sandbox.env())).stdout).toBe(`${work.access_token}\n`);
    expect((await runMain(['token'], sandbox.env({ PODIO_PROFILE: 'other' }))).stdout).toBe(`${other.access_token}\n`);
    expect((await runMain(['token', '--profile', 'other'], sandbox.env())).stdout).toBe(`${other.access_token}\n`);
    expect(JSON.parse((await runMain(['profiles', '--json'], sandbox.env())).stdout).default).toBe('work');
    const missing = await runMain(['profiles', 'use', 'nope'], sandbox.env());
    // No such profile, as for `token --profile nope`.
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/no profile "nope"/);
  });

  it('logout --all logs every profile out; --forget removes them', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour(), 'default');
    sandbox.storeLogin(inAnHour(), 'work');
    await runMain(['profiles', 'use', 'work'], sandbox.env());
    const result = await runMain(['logout', '--all'], sandbox.env());
    expect(result.code).toBe(0);
    const config = sandbox.readConfig() as {
      default_profile?: string;
      profiles: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(config.profiles)).toEqual(['default', 'work']);
    for (const profile of Object.values(config.profiles)) expect(profile['refresh_token']).toBeUndefined();
    expect((await runMain(['token', '--profile', 'work'], sandbox.env())).code).toBe(4);
    const listed = await runMain(['profiles'], sandbox.env());
    expect(listed.stdout).toMatch(/^\* work +.* logged out$/m);
    await runMain(['logout', '--all', '--forget'], sandbox.env());
    expect(sandbox.readConfig()).toEqual({ profiles: {} });
  });

  it('profiles that do not exist are not reported as changed (constructor, __proto__)', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour(), 'work');
    for (const name of ['constructor', 'toString']) {
      const use = await runMain(['profiles', 'use', name], sandbox.env());
      expect(use.code).toBe(4);
      expect(use.stderr).toMatch(new RegExp(`There is no profile "${name}"`));
      const logout = await runMain(['logout', '--profile', name], sandbox.env());
      expect(logout.stderr).toMatch(/nothing to do/);
    }
    expect(Object.keys(sandbox.readConfig().profiles)).toEqual(['work']);
  });
});
