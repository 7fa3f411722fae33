import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inAnHour, runMain, type Sandbox, startSandbox } from '../support/cli.js';
import type { FakePodio, FakePodioOptions } from '../support/fake-podio.js';

/** `logout`: what it forgets, and what it keeps for the next login. */

let podio: FakePodio;
let sandbox: Sandbox;

async function setup(options: FakePodioOptions = {}): Promise<void> {
  ({ podio, sandbox } = await startSandbox(options));
}

describe('logout', () => {
  it('forgets the tokens and secrets of one profile, keeps what the next login needs, and the other profiles', async () => {
    await setup();
    const mine = sandbox.storeLogin(inAnHour(), 'default');
    const work = sandbox.storeLogin(inAnHour(), 'work');
    const result = await runMain(['logout'], sandbox.env());
    expect(result.code).toBe(0);
    const config = sandbox.readConfig();
    expect(config.profiles['default']).toEqual({
      client_id: podio.options.clientId,
      auth_url: podio.url,
      api_url: podio.url,
    });
    const text = readFileSync(sandbox.configFile, 'utf8');
    expect(text).not.toContain(mine.access_token);
    expect(text).not.toContain(mine.refresh_token);
    // The client secret is still there once: the other profile's.
    expect(text.split(podio.options.clientSecret).length - 1).toBe(1);
    expect((await runMain(['token', '--profile', 'work'], sandbox.env())).stdout).toBe(`${work.access_token}\n`);
    expect((await runMain(['token'], sandbox.env())).code).toBe(4);
  });

  it('--forget removes the profile entirely; --all --forget every profile', async () => {
    await setup();
    sandbox.storeLogin(inAnHour(), 'default');
    sandbox.storeLogin(inAnHour(), 'work');
    expect((await runMain(['logout', '--forget'], sandbox.env())).code).toBe(0);
    expect(Object.keys(sandbox.readConfig().profiles)).toEqual(['work']);
    const missing = await runMain(['logout', '--profile', 'nobody'], sandbox.env());
    expect(missing).toMatchObject({ code: 0 });
    expect(missing.stderr).toMatch(/There is no profile "nobody"/);
    expect((await runMain(['logout', '--all', '--forget'], sandbox.env())).code).toBe(0);
    expect(sandbox.readConfig().profiles).toEqual({});
  });
});
