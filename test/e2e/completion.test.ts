import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/**
 * What the completion scripts call, through the launcher: no shell needed. The scripts themselves, loaded in real
 * bash, zsh and fish, are tested in completion.shells.system.test.ts (the system suite).
 */

const root = mkdtempSync(join(tmpdir(), 'podio-auth-complete-'));
const configDir = join(root, 'config');
const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME: root, PODIO_AUTH_CONFIG_DIR: configDir };

beforeAll(() => {
  mkdirSync(configDir, { mode: 0o700 });
  const profile = { client_id: 'id', client_secret: 'not-for-completion', refresh_token: 'not-for-completion-either' };
  // A name that is not a valid profile name is never offered: a shell could take it for code.
  const profiles = { work: profile, home: profile, '$(touch pwned)': profile };
  writeFileSync(join(configDir, 'config.json'), JSON.stringify({ profiles }), { mode: 0o600 });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('completion command', () => {
  it('__complete profiles prints the profile names and nothing else, exit 0 whatever the config', async () => {
    const result = await runCli(['__complete', 'profiles'], env);
    expect(result).toMatchObject({ code: 0, stdout: 'home\nwork\n', stderr: '' });

    const broken = join(root, 'broken');
    mkdirSync(broken, { mode: 0o700 });
    writeFileSync(join(broken, 'config.json'), '{ not json', { mode: 0o600 });
    const quiet = { code: 0, stdout: '', stderr: '' };
    expect(await runCli(['__complete', 'profiles'], { ...env, PODIO_AUTH_CONFIG_DIR: broken })).toMatchObject(quiet);
    const missing = { ...env, PODIO_AUTH_CONFIG_DIR: join(root, 'none') };
    expect(await runCli(['__complete', 'profiles'], missing)).toMatchObject(quiet);
    expect(await runCli(['__complete', 'nothing-known', '--whatever'], env)).toMatchObject(quiet);
  });

  it('keeps __complete out of the help (the shells do not offer it either: see COMMANDS in completion.shells.system.test.ts)', async () => {
    expect((await runCli(['--help'], env)).stdout).not.toContain('__complete');
  });

  it('refuses an unknown shell (exit 2)', async () => {
    expect((await runCli(['completion', 'powershell'], env)).code).toBe(2);
  });
});
