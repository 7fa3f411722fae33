import * as redis from 'redis';
import { describe, expect, it } from 'vitest';
import { interrupted, type PodioAuthError } from '../../src/errors.js';
import {
  ConnectDeadline,
  connectionDropped,
  type FailedCall,
  isRefusal,
  mapRedisError,
  NoReply,
} from '../../src/store/redis/errors.js';
import { parseRedisUrl } from '../../src/store/redis/url.js';

/**
 * How node-redis's failures read to a user. The errors are node-redis's own classes, built as the client builds them;
 * no server is needed to say what each one means.
 */

const SECRET = 'pw-s3cret';
const call = (url = `redis://worker:${SECRET}@cache:6380/0`, signal?: AbortSignal): FailedCall => ({
  target: parseRedisUrl(url),
  timeoutMs: 1_500,
  signal,
});
const mapped = (error: unknown, failed = call()): PodioAuthError => mapRedisError(error, failed, redis);
const errnoError = (code: string): Error => Object.assign(new Error(`connect ${code} ${SECRET}`), { code });

describe('Redis errors as the user reads them', () => {
  it('an error reply is named by its code, never by its text (it may quote a profile)', () => {
    const cases: [string, string, RegExp][] = [
      ['WRONGPASS invalid username-password pair', 'redis_auth', /rejected the user name or password \(WRONGPASS\)/],
      ['NOAUTH Authentication required.', 'redis_auth', /requires a password.*\(NOAUTH\)/],
      ['NOPERM this user has no permissions', 'redis_auth', /does not allow the user "worker" .*\(NOPERM\)/],
      ["READONLY You can't write against a read only replica.", 'redis_unavailable', /read-only replica/],
      ['LOADING Redis is loading the dataset in memory', 'redis_unavailable', /still loading its data/],
      ['OOM command not allowed when used memory > maxmemory', 'redis_unavailable', /out of memory \(OOM\)/],
      ['MISCONF Redis is configured to save RDB snapshots', 'redis_unavailable', /cannot save to disk/],
      ['BUSY Redis is busy running a script.', 'redis_unavailable', /busy running a script/],
      ['ERR AUTH <password> called without any password configured', 'redis_auth', /has no password set/],
      ['ERR unknown command', 'redis_unavailable', /refused a command \(ERR\)/],
    ];
    for (const [reply, code, message] of cases) {
      const error = mapped(new redis.ErrorReply(`${reply} ${SECRET}`));
      expect(error.code, reply).toBe(code);
      expect(error.message, reply).toMatch(message);
      expect(error.message, reply).toContain('Redis at cache:6380');
      expect(`${error.message} ${error.hint}`, reply).not.toContain(SECRET);
      expect(error.hint, reply).toBeTruthy();
    }
  });

  it('NOPERM names the default user when the URL names none', () => {
    const error = mapped(new redis.ErrorReply('NOPERM no'), call('redis://:pw@cache'));
    expect(error.message).toMatch(/does not allow the default user/);
  });

  it('a connection that took too long, or a reply that never came, names the timeout', () => {
    for (const error of [new ConnectDeadline(), new redis.ConnectionTimeoutError()]) {
      expect(mapped(error).message).toBe('Could not connect to Redis at cache:6380 within 1500 ms.');
    }
    for (const error of [new NoReply(), new redis.TimeoutError()]) {
      expect(mapped(error).message).toBe('Redis at cache:6380 did not answer within 1500 ms.');
    }
    const whole = mapRedisError(new NoReply(), { ...call(), timeoutMs: 2_000 }, redis);
    expect(whole).toMatchObject({ code: 'redis_unavailable', message: expect.stringMatching(/within 2 s\.$/) });
  });

  it('a network failure names its errno; a TLS one points at the certificate', () => {
    expect(mapped(errnoError('ECONNREFUSED')).message).toBe('Could not reach Redis at cache:6380 (ECONNREFUSED).');
    const tls = mapped(errnoError('DEPTH_ZERO_SELF_SIGNED_CERT'));
    expect(tls.message).toBe('The TLS connection to Redis at cache:6380 failed (DEPTH_ZERO_SELF_SIGNED_CERT).');
    expect(tls.hint).toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(tls.message).not.toContain(SECRET);
  });

  it('a closed connection says so; anything else names only its kind', () => {
    for (const error of [
      new redis.SocketClosedUnexpectedlyError(),
      new redis.ClientClosedError(),
      new redis.ClientOfflineError(),
    ]) {
      expect(mapped(error).message).toBe('Redis at cache:6380 closed the connection.');
    }
    expect(mapped(new RangeError(SECRET)).message).toBe('The connection to Redis at cache:6380 failed (RangeError).');
    expect(mapped(SECRET).message).toBe('The connection to Redis at cache:6380 failed (unknown error).');
  });

  it('once the caller gave up, any failure is `interrupted`; a PodioAuthError passes through as it is', () => {
    const controller = new AbortController();
    controller.abort();
    expect(mapped(new redis.ErrorReply('WRONGPASS'), call(undefined, controller.signal)).code).toBe('interrupted');
    const own = interrupted();
    expect(mapped(own)).toBe(own);
  });

  it('tells a refusal from a dropped connection, which alone makes a fenced write worth sending again', () => {
    const refused = mapped(new redis.ErrorReply('NOPERM no'));
    expect(isRefusal(refused, redis)).toBe(true);
    expect(connectionDropped(refused, redis)).toBe(false);
    for (const dropped of [new redis.SocketClosedUnexpectedlyError(), errnoError('ECONNRESET'), errnoError('EPIPE')]) {
      expect(connectionDropped(mapped(dropped), redis)).toBe(true);
      expect(connectionDropped(dropped, redis)).toBe(true);
      expect(isRefusal(mapped(dropped), redis)).toBe(false);
    }
    // A silent server may still run the write later: not sent again.
    expect(connectionDropped(mapped(new NoReply()), redis)).toBe(false);
    expect(connectionDropped(mapped(errnoError('ENOTFOUND')), redis)).toBe(false);
  });
});
