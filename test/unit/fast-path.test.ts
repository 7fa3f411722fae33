import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fastPath, fastToken } from '../../src/fast-path.js';
import { commandEnvironment } from '../../src/secrets.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const now = new Date('2026-06-01T12:00:00Z');
const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();

function configDir(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'podio-auth-fast-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

describe('fastToken', () => {
  const config = {
    default_profile: 'main',
    profiles: {
      main: { access_token: 'main-token', expires_at: later(60) },
      work: { access_token: 'work-token', expires_at: later(60) },
      soon: { access_token: 'soon-token', expires_at: later(2) },
    },
  };

  it('answers `token` with a valid stored token, choosing the profile as the full command does', () => {
    const env = { PODIO_AUTH_CONFIG_DIR: configDir(config) };
    expect(fastToken(['token'], env, now)).toBe('main-token');
    expect(fastToken(['token', '--profile', 'work'], env, now)).toBe('work-token');
    expect(fastToken(['token', '--profile=work'], env, now)).toBe('work-token');
    expect(fastToken(['token'], { ...env, PODIO_PROFILE: 'work' }, now)).toBe('work-token');
    expect(fastToken(['token', '--profile', 'work'], { ...env, PODIO_ACCESS_TOKEN: 'x' }, now)).toBe('work-token');
  });

  it('leaves everything else to the full command', () => {
    const env = { PODIO_AUTH_CONFIG_DIR: configDir(config) };
    const cases: [string[], Record<string, string>][] = [
      [['status'], env],
      [['token', '--json'], env],
      [['token', '--min-ttl', '60'], env],
      [['token', '--profile'], env],
      [['token', '--profile', '--json'], env],
      [['token', '--profile', 'soon'], env],
      [['token', '--profile', 'missing'], env],
      [['token', '--profile', '../x'], env],
      [['token'], { ...env, GITHUB_ACTIONS: 'true' }],
      [['token'], { ...env, PODIO_ACCESS_TOKEN: 'x' }],
      [['token'], { ...env, PODIO_REFRESH_TOKEN: 'x' }],
      [['token'], { ...env, PODIO_APP_ID: '1', PODIO_APP_TOKEN: 'x' }],
      [['token'], { PODIO_AUTH_CONFIG_DIR: configDir('{ not json') }],
      [['token'], { PODIO_AUTH_CONFIG_DIR: join(tmpdir(), 'podio-auth-no-such-dir') }],
    ];
    for (const [argv, caseEnv] of cases)
      expect(fastToken(argv, caseEnv, now), `${argv.join(' ')} ${JSON.stringify(caseEnv)}`).toBeUndefined();
  });
});

describe('fastPath', () => {
  const config = { profiles: { default: { access_token: 'stored-token', expires_at: later(60) } } };
  const context = (env: Record<string, string>) => ({
    env,
    now,
    stdoutIsTTY: () => false,
    stderrIsTTY: () => false,
  });

  it('runs `exec` whose command has help options of its own, as the launcher does', () => {
    const env = { PODIO_AUTH_CONFIG_DIR: configDir(config), PODIO_CLIENT_SECRET: 'client-secret' };
    const answer = fastPath(['exec', '--', 'ls', '-h'], context(env));
    expect(answer).toMatchObject({ kind: 'exec', file: 'ls', args: ['-h'] });
    // The same environment as the full command gives it: the token, and none of the secrets.
    expect(answer?.kind === 'exec' && answer.env).toEqual(commandEnvironment(env, 'stored-token'));
    expect(answer?.kind === 'exec' && answer.env['PODIO_CLIENT_SECRET']).toBeUndefined();
  });

  it('answers `export --format` with the table’s formats only', () => {
    const profile = { client_id: 'c', client_secret: 'client-secret', refresh_token: 'refresh-token' };
    const env = { PODIO_AUTH_CONFIG_DIR: configDir({ profiles: { default: profile } }) };
    expect(fastPath(['export', '--format', 'shell'], context(env))).toMatchObject({ kind: 'print' });
    expect(fastPath(['export', '--format', 'yaml'], context(env))).toBeUndefined();
    expect(fastPath(['export', '--reveal'], context(env))).toBeUndefined();
  });
});
