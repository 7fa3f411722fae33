import { describe, expect, it } from 'vitest';
import { PodioAuthError } from '../../src/errors.js';
import { storeChoice } from '../../src/store/open-store.js';
import { parseRedisUrl, redisLocationOf, redisUserOf, withRedisPassword } from '../../src/store/redis/url.js';

/** The error `run` throws (it must throw one). */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
}

describe('Redis store URLs', () => {
  it('parses store URLs and never repeats a password', () => {
    expect(parseRedisUrl('rediss://ops:p%40ss@cache.example:6380/2')).toEqual({
      host: 'cache.example',
      port: 6380,
      tls: true,
      username: 'ops',
      password: 'p@ss',
      database: 2,
      address: 'cache.example:6380',
      location: 'rediss://ops@cache.example:6380/2',
    });
    expect(parseRedisUrl('redis://:pw@[::1]').location).toBe('redis://[::1]:6379/0');
    for (const bad of [
      'http://user:pw-secret@host',
      'redis://user:pw-secret@host/db',
      'not a url pw-secret',
      'redis://user:%zz-pw-secret@host',
      'redis://%zz-pw-secret:x@host',
    ]) {
      const caught = thrownBy(() => parseRedisUrl(bad));
      expect(caught).toBeInstanceOf(PodioAuthError);
      expect((caught as PodioAuthError).code).toBe('usage');
      expect((caught as PodioAuthError).message).not.toContain('pw-secret');
    }
  });

  it('a URL without a user, a port or a database: the default user, port 6379 and database 0, no TLS', () => {
    expect(parseRedisUrl('redis://cache')).toEqual({
      host: 'cache',
      port: 6379,
      tls: false,
      username: undefined,
      password: undefined,
      database: 0,
      address: 'cache:6379',
      location: 'redis://cache:6379/0',
    });
  });

  it('refuses a URL with no host, saying how to write one', () => {
    const caught = thrownBy(() => parseRedisUrl('redis://'));
    expect(caught).toMatchObject({ code: 'usage', message: 'The Redis store URL has no host.' });
    expect((caught as PodioAuthError).hint).toMatch(/redis:\/\/\[user:password@\]host/);
  });

  it('names a PODIO_AUTH_STORE it cannot use without what may be a password in it', () => {
    for (const typo of ['redis:/user:pw-secret@host:6379/0', 'redis:user:pw@secret@host', 'reddis://pw-secret@h']) {
      const caught = thrownBy(() => storeChoice(typo));
      expect(caught).toMatchObject({ code: 'usage' });
      expect((caught as PodioAuthError).message).not.toMatch(/pw|secret/);
      expect((caught as PodioAuthError).message).toMatch(/…@/);
    }
  });

  it('the location keeps the user and loses the password, the query and the fragment; a bad URL is named as such', () => {
    expect(redisLocationOf('rediss://ops:pw-secret@cache:6380/2')).toBe('rediss://ops@cache:6380/2');
    expect(redisLocationOf('redis://:pw-secret@cache')).toBe('redis://cache');
    expect(redisLocationOf('redis://cache/0?password=pw-secret#pw-secret')).toBe('redis://cache/0');
    expect(redisLocationOf('not a url pw-secret')).toBe('redis://(invalid URL)');
  });

  it('the user a URL logs in as: its name, `default` for a password alone, none without a password', () => {
    expect(redisUserOf('redis://fleet%40ops:pw@cache')).toBe('fleet@ops');
    expect(redisUserOf('redis://:pw@cache')).toBe('default');
    expect(redisUserOf('redis://fleet@cache')).toBeUndefined();
    expect(redisUserOf('not a url')).toBeUndefined();
  });

  it('a password from elsewhere (PODIO_AUTH_REDIS_PASSWORD) fills a URL without one, encoded, never replacing one', () => {
    const filled = withRedisPassword('redis://cache:6379/0', 'p@ss:w/rd');
    expect(parseRedisUrl(filled)).toMatchObject({ username: 'default', password: 'p@ss:w/rd', host: 'cache' });
    expect(parseRedisUrl(withRedisPassword('redis://fleet@cache', 'pw')).username).toBe('fleet');
    expect(withRedisPassword('redis://fleet:own@cache', 'other')).toBe('redis://fleet:own@cache');
    expect(withRedisPassword('redis://cache', undefined)).toBe('redis://cache');
    // Left as it is for parseRedisUrl to refuse, without repeating it.
    expect(withRedisPassword('not a url', 'pw')).toBe('not a url');
  });
});
