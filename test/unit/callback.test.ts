import { describe, expect, it } from 'vitest';
import { acceptedHosts, type CallbackExpectation, judgeCallback } from '../../src/login/callback.js';
import { listenAddresses } from '../../src/login/loopback-listener.js';

const expected: CallbackExpectation = {
  path: '/callback/NONCE123',
  state: 'STATE456',
  hosts: acceptedHosts('localhost', 5000),
};
const judge = (url: string, host = 'localhost:5000', method = 'GET') => judgeCallback({ method, url, host }, expected);

describe('judgeCallback', () => {
  it('accepts a code with the right state', () => {
    expect(judge('/callback/NONCE123?code=abc&state=STATE456')).toEqual({ kind: 'code', code: 'abc' });
  });

  it('accepts a code without state (Podio may not echo it): the nonce path protects it', () => {
    expect(judge('/callback/NONCE123?code=abc')).toEqual({ kind: 'code', code: 'abc' });
  });

  it('404s any other path, including a wrong or missing nonce', () => {
    for (const url of [
      '/',
      '/callback',
      '/callback/',
      '/callback/NONCE12',
      '/callback/NONCE1234',
      '/callback/NONCE123/x',
      '/favicon.ico',
    ]) {
      const verdict = judge(`${url}?code=abc&state=STATE456`);
      expect(verdict.kind === 'reject' && verdict.page.status, url).toBe(404);
    }
  });

  it('refuses a wrong state, a foreign Host, other methods, repeats and a missing code', () => {
    const cases: [string, string | undefined, string, number][] = [
      ['/callback/NONCE123?code=abc&state=nope', 'localhost:5000', 'GET', 400],
      ['/callback/NONCE123?code=abc&state=', 'localhost:5000', 'GET', 400],
      ['/callback/NONCE123?code=abc', 'attacker.example:5000', 'GET', 400],
      ['/callback/NONCE123?code=abc', 'localhost:5001', 'GET', 400],
      ['/callback/NONCE123?code=abc', undefined, 'GET', 400],
      ['/callback/NONCE123?code=abc', 'localhost:5000', 'POST', 405],
      ['/callback/NONCE123?code=a&code=b', 'localhost:5000', 'GET', 400],
      ['/callback/NONCE123?code=a&state=STATE456&state=STATE456', 'localhost:5000', 'GET', 400],
      ['/callback/NONCE123?error=access_denied&error=x', 'localhost:5000', 'GET', 400],
      ['/callback/NONCE123?state=STATE456', 'localhost:5000', 'GET', 400],
      ['/callback/NONCE123?code=', 'localhost:5000', 'GET', 400],
      ['/callback/NONCE123?code=a%20b', 'localhost:5000', 'GET', 400],
      [`/callback/NONCE123?code=${'x'.repeat(3000)}`, 'localhost:5000', 'GET', 400],
    ];
    for (const [url, host, method, status] of cases) {
      const verdict = judgeCallback({ method, url, host }, expected);
      expect(verdict.kind === 'reject' && verdict.page.status, `${method} ${host} ${url.slice(0, 80)}`).toBe(status);
    }
  });

  it('reports an error answer with its description', () => {
    expect(
      judge(
        '/callback/NONCE123?error_reason=user_denied&error=access_denied&error_description=The+user+denied&state=STATE456',
      ),
    ).toEqual({
      kind: 'error',
      error: 'access_denied',
      description: 'The user denied',
    });
  });

  it('accepts loopback literals as Host, case-insensitively', () => {
    expect(judge('/callback/NONCE123?code=abc', 'LOCALHOST:5000').kind).toBe('code');
    expect(judge('/callback/NONCE123?code=abc', '127.0.0.1:5000').kind).toBe('code');
    expect(judge('/callback/NONCE123?code=abc', '[::1]:5000').kind).toBe('code');
  });
});

describe('listenAddresses', () => {
  it('serves a name on both loopbacks (a browser may try either), and an address on itself', () => {
    expect(listenAddresses('localhost')).toEqual({ required: '127.0.0.1', optional: ['::1'] });
    expect(listenAddresses('[::1]')).toEqual({ required: '::1', optional: [] });
    expect(listenAddresses('127.0.0.2')).toEqual({ required: '127.0.0.2', optional: [] });
    expect(listenAddresses('localtest.me')).toEqual({ required: '127.0.0.1', optional: ['::1'] });
  });
});
