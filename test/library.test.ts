import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { getAccessToken, getToken, login, PodioAuthError } from '../src/index.js';
import { ROOT, startSandbox } from './support/cli.js';

describe('library API', () => {
  it('is importable by package name, with types, from the built package', async () => {
    const { sandbox } = await startSandbox();
    const { access_token } = sandbox.storeLogin(new Date(Date.now() + 3_600_000));
    const script = "import { getAccessToken } from 'podio-auth'; process.stdout.write(await getAccessToken());";
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: sandbox.env(),
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(access_token);
  });

  it('logs in and refreshes through the same store and lock as the CLI', async () => {
    const { podio, sandbox } = await startSandbox();
    const env = sandbox.env();
    const logged = await login({ env, profile: 'lib' });
    expect(logged.profile).toBe('lib');
    expect(podio.isValidAccessToken(logged.accessToken)).toBe(true);
    expect(sandbox.readConfig().profiles['lib']!['access_token']).toBe(logged.accessToken);

    sandbox.editProfile('lib', { expires_at: new Date(Date.now() - 1000).toISOString() });
    const fresh = await getToken({ env, profile: 'lib' });
    expect(fresh.accessToken).not.toBe(logged.accessToken);
    expect(fresh).toMatchObject({ tokenType: 'bearer', profile: 'lib', ref: { type: 'user', id: 4242 } });
    expect(await getAccessToken({ env, profile: 'lib' })).toBe(fresh.accessToken);
    expect(podio.grants('refresh_token')).toHaveLength(1);
  });

  it('throws PodioAuthError with a code and exit code', async () => {
    const { sandbox } = await startSandbox();
    const error = await getAccessToken({ env: sandbox.env(), profile: 'nobody' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PodioAuthError);
    expect(error).toMatchObject({ code: 'not_logged_in', exitCode: 4 });
  });
});
