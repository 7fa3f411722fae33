import { describe, expect, it } from 'vitest';
import {
  commandEnvironment,
  createSecretRegistry,
  removeSecretsFrom,
  storeSettingWithoutPassword,
  withoutSecrets,
} from '../../src/secrets.js';
import { redisLocationOf } from '../../src/store/open-store.js';
import { parseRedisUrl } from '../../src/store/redis/url.js';

/**
 * What a child process (exec's command, a browser, the keyring helper) may see of PODIO_AUTH_STORE: the store URL
 * as it names itself, parsed as Redis parses it (the last `@` ends the user info), or nothing at all.
 */

const child = (store: string): string | undefined => withoutSecrets({ PODIO_AUTH_STORE: store })['PODIO_AUTH_STORE'];

describe('PODIO_AUTH_STORE in a child environment', () => {
  it('loses the whole password, whatever it holds: @ : / %40 and more', () => {
    const cases: [string, string][] = [
      ['redis://fleet:top@secret@host:6379/0', 'redis://fleet@host:6379/0'],
      ['redis://fleet:a@b@c@host/3', 'redis://fleet@host:6379/3'],
      ['redis://fleet:top:se:cret@host:6380/0', 'redis://fleet@host:6380/0'],
      ['redis://fleet:top%2Fsecret@host/0', 'redis://fleet@host:6379/0'],
      ['redis://fleet:top%40secret@host/0', 'redis://fleet@host:6379/0'],
      ['rediss://:only-a-password@host:6380', 'rediss://host:6380/0'],
      ['redis://fleet:pw@host/0?password=other#frag', 'redis://fleet@host:6379/0'],
      ['REDIS://fleet:topsecret@host/0', 'redis://fleet@host:6379/0'],
      ['redis://host:6379/0', 'redis://host:6379/0'],
    ];
    for (const [given, shown] of cases) expect(child(given), given).toBe(shown);
  });

  it('is left out when it does not parse as a store URL: no telling which part is the password', () => {
    // A raw / or # in a password, a bad escape, a port that is not one: the CLI refuses them, and the child gets none.
    for (const given of [
      'redis://fleet:top/secret@host/0',
      'redis://fleet:top#secret@host/0',
      'redis://fleet:top%zzsecret@host/0',
      'redis://fleet:1234/secret@host',
      'not a url with a top-secret in it',
    ]) {
      expect(child(given), given).toBeUndefined();
      expect(Object.keys(withoutSecrets({ PODIO_AUTH_STORE: given }))).not.toContain('PODIO_AUTH_STORE');
    }
  });

  it('is what the CLI leaves in its own environment, which every child inherits unless given another', () => {
    const env: NodeJS.ProcessEnv = {
      PATH: '/bin',
      PODIO_CLIENT_SECRET: 's',
      PODIO_AUTH_REDIS_PASSWORD: 'pw',
      PODIO_AUTH_STORE: 'redis://fleet:top-secret@host:6379/0',
    };
    removeSecretsFrom(env);
    expect(env).toEqual({ PATH: '/bin', PODIO_AUTH_STORE: 'redis://fleet@host:6379/0' });
  });

  it('is what exec gives its command, with the access token', () => {
    const env = { PATH: '/bin', PODIO_REFRESH_TOKEN: 'r', PODIO_AUTH_STORE: 'redis://:pw@host/1' };
    expect(commandEnvironment(env, 'access')).toEqual({
      PATH: '/bin',
      PODIO_AUTH_STORE: 'redis://host:6379/1',
      PODIO_ACCESS_TOKEN: 'access',
    });
  });

  it('keeps file and keyring, and drops every secret variable', () => {
    expect(child('file')).toBe('file');
    expect(child('keyring')).toBe('keyring');
    const env = withoutSecrets({ PATH: '/bin', PODIO_AUTH_REDIS_PASSWORD: 'pw', PODIO_CLIENT_SECRET: 's' });
    expect(env).toEqual({ PATH: '/bin' });
  });

  it('is what messages call the store: the same parse as the store’s own', () => {
    const url = 'redis://fleet:top@secret@host:6379/0';
    expect(parseRedisUrl(url)).toMatchObject({ username: 'fleet', password: 'top@secret', host: 'host' });
    expect(storeSettingWithoutPassword(url)).toBe(parseRedisUrl(url).location);
  });

  it('redacts a store password from messages as written and as decoded', () => {
    const secrets = createSecretRegistry();
    secrets.addEnv({ PODIO_AUTH_STORE: 'redis://fleet:top@secret@host:6379/0' });
    expect(secrets.redact('top@secret or top%40secret')).toBe('[redacted] or [redacted]');
  });

  it('redacts a store password with a bad escape as written', () => {
    const secrets = createSecretRegistry();
    secrets.addEnv({ PODIO_AUTH_STORE: 'redis://fleet:top%zzsecret@host:6379/0' });
    expect(secrets.redact('top%zzsecret')).toBe('[redacted]');
  });

  it('a pointer left in config.json keeps neither a password nor a query or fragment', () => {
    expect(redisLocationOf('redis://fleet:top@secret@host:6379/0?password=other#x')).toBe('redis://fleet@host:6379/0');
  });
});
