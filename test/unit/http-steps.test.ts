import { describe, expect, it } from 'vitest';
import { graceAfterStop, startDeadline } from '../../src/http/deadline.js';
import { deadlineError, describeNetworkCode, findCode, socketError } from '../../src/http/failures.js';
import type { RequestPlan, Stage } from '../../src/http/plan.js';
import { requestHeaders } from '../../src/http/plan.js';
import { proxyFor } from '../../src/http/proxy-setting.js';
import { endpointOf, parseTarget } from '../../src/http/target.js';
import { connectRequest, readConnectAnswer } from '../../src/http/tunnel.js';

describe('where a request goes', () => {
  it('takes the scheme default port, and strips IPv6 brackets, a trailing dot and upper case from the host', () => {
    expect(parseTarget('https://API.Podio.com./x')).toMatchObject({ host: 'api.podio.com', port: 443, secure: true });
    expect(parseTarget('http://[2001:DB8::1]:8080/')).toMatchObject({ host: '2001:db8::1', port: 8080, secure: false });
    expect(parseTarget('http://127.0.0.1/')).toMatchObject({ host: '127.0.0.1', port: 80, secure: false });
  });

  it('speaks only http and https', () => {
    expect(() => parseTarget('ftp://podio.com/')).toThrow('Not an http(s) URL: ftp:');
    expect(() => parseTarget('file:///etc/passwd')).toThrow('Not an http(s) URL: file:');
  });

  it("reads a proxy's URL the same way", () => {
    expect(endpointOf(new URL('https://proxy.corp'))).toEqual({ host: 'proxy.corp', port: 443, secure: true });
    expect(endpointOf(new URL('http://proxy.corp:3128'))).toEqual({ host: 'proxy.corp', port: 3128, secure: false });
  });

  it('adds host and content-length to the headers, and has every header checked', () => {
    const request = { method: 'POST' as const, url: 'https://api.podio.com:8443/t', headers: { a: '1' }, body: 'é' };
    const checked: string[] = [];
    const headers = requestHeaders(
      { ...request, signal: new AbortController().signal },
      parseTarget(request.url),
      (n) => checked.push(n),
    );
    expect(headers).toEqual({ a: '1', host: 'api.podio.com:8443', 'content-length': '2' });
    expect(checked).toEqual(['a', 'host', 'content-length']);
  });
});

describe('the tunnel through a proxy', () => {
  it("asks for the origin's host and port, with the proxy's credentials only when there are some", () => {
    const target = new URL('https://[::1]:8443/');
    expect(connectRequest(target, 8443, undefined)).toBe('CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n');
    expect(connectRequest(new URL('https://podio.com'), 443, 'Basic eDp5')).toBe(
      'CONNECT podio.com:443 HTTP/1.1\r\nHost: podio.com:443\r\nProxy-Authorization: Basic eDp5\r\n\r\n',
    );
  });

  const read = (text: string) => readConnectAnswer(Buffer.from(text, 'latin1'));

  it('opens on a 200 whose header has ended, and waits for the rest of the header before that', () => {
    expect(read('HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\n')).toEqual({ state: 'open' });
    expect(read('HTTP/1.0 200\r\n\r\n')).toEqual({ state: 'open' });
    expect(read('HTTP/1.1 200 OK\r\n')).toEqual({ state: 'incomplete' });
    expect(read('')).toEqual({ state: 'incomplete' });
  });

  it('fails on a refusal, on 407 as a matter of credentials, on non-HTTP, on early data and on a header too long', () => {
    const failed = (what: string, credentials = false) => ({ state: 'failed', what, credentials });
    expect(read('HTTP/1.1 403 Forbidden\r\n\r\n')).toEqual(failed('refused the tunnel: HTTP 403'));
    expect(read('HTTP/1.1 407 Auth\r\n\r\n')).toEqual(failed('refused the tunnel: HTTP 407', true));
    expect(read('SSH-2.0-OpenSSH\r\n\r\n')).toEqual(failed('answered CONNECT with something that is not HTTP'));
    expect(read('HTTP/1.1 2000 OK\r\n\r\n')).toEqual(failed('answered CONNECT with something that is not HTTP'));
    expect(read('HTTP/1.1 200 OK\r\n\r\nX')).toEqual(failed('sent data before the tunnel was open'));
    expect(read(`HTTP/1.1 200 OK\r\n${'X-Pad: y\r\n'.repeat(2000)}`)).toEqual(
      failed('sent an oversized answer to CONNECT'),
    );
  });
});

describe('the deadline', () => {
  it('gives one grace, of at most 5 s, only to a timer that fired over 1 s late (the process was stopped)', () => {
    expect(graceAfterStop(0, 30_000, false)).toBeUndefined();
    expect(graceAfterStop(1_000, 30_000, false)).toBeUndefined();
    expect(graceAfterStop(1_001, 30_000, false)).toBe(5_000);
    expect(graceAfterStop(1_001, 2_000, false)).toBe(2_000);
    expect(graceAfterStop(60_000, 30_000, true)).toBeUndefined();
  });

  it('passes after its time, and never once cleared', async () => {
    const passed: string[] = [];
    const cleared = startDeadline(10, () => passed.push('cleared'));
    cleared.clear();
    await new Promise<void>((resolve) => startDeadline(20, resolve));
    // The cleared one was due first: had it not been cleared, it would have passed by now.
    expect(passed).toEqual([]);
  });
});

describe('what a failed request says', () => {
  const plan = (url: string, env: Record<string, string> = {}): RequestPlan => {
    const target = parseTarget(url);
    const request = { method: 'GET' as const, url, headers: {}, signal: new AbortController().signal };
    return { request, target, proxy: proxyFor(target.url, env), headers: {}, timeoutMs: 2_500 };
  };
  const viaProxy = plan('https://api.podio.com', { HTTPS_PROXY: 'http://u:pw@proxy:3128' });
  const direct = plan('https://api.podio.com:8443');

  it('blames the deadline on the proxy or the origin by stage', () => {
    const said = (stage: Stage) => deadlineError(viaProxy, stage).message;
    expect(said('to-proxy')).toBe('The proxy http://***@proxy:3128 did not accept a connection within 2.5 s.');
    expect(said('tunnel')).toBe('The proxy http://***@proxy:3128 did not answer CONNECT within 2.5 s.');
    expect(said('to-origin')).toBe(
      'api.podio.com did not answer within 2.5 s through the proxy http://***@proxy:3128.',
    );
    expect(said('request')).toBe('api.podio.com did not answer within 2.5 s through the proxy http://***@proxy:3128.');
    expect(deadlineError(direct, 'answer')).toMatchObject({
      code: 'timeout',
      message: 'api.podio.com:8443 did not finish its answer within 2.5 s.',
    });
  });

  it('tells a reset tunnel from a closed one, and a cut answer from a refused connection', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' });
    const closed = Object.assign(new Error('closed'), { code: 'ECONNRESET' });
    expect(socketError(viaProxy, 'tunnel', reset).message).toContain('reset the connection after CONNECT');
    expect(socketError(viaProxy, 'tunnel', closed).message).toContain('closed the connection after CONNECT');
    expect(socketError(viaProxy, 'to-proxy', closed)).toMatchObject({
      code: 'proxy_failed',
      hint: 'Check the proxy in HTTPS_PROXY, or add api.podio.com to NO_PROXY.',
    });
    expect(socketError(direct, 'answer', closed).message).toBe(
      'Could not reach api.podio.com:8443: the connection was closed before the whole answer came.',
    );
    const refused = Object.assign(new Error('x'), { code: 'ECONNREFUSED' });
    expect(socketError(direct, 'to-origin', refused)).toMatchObject({
      code: 'network',
      message: 'Could not reach api.podio.com:8443: the connection was refused.',
    });
  });

  it("finds an error's code along its causes, and words the codes a user can act on", () => {
    expect(findCode(new Error('x', { cause: new Error('y', { cause: { code: 'ENOTFOUND' } }) }))).toBe('ENOTFOUND');
    expect(findCode(new Error('no code'))).toBeUndefined();
    expect(describeNetworkCode('EAI_AGAIN')).toBe('the host name could not be resolved');
    expect(describeNetworkCode('CERT_HAS_EXPIRED')).toBe('its TLS certificate is not trusted (CERT_HAS_EXPIRED)');
    expect(describeNetworkCode('HPE_INVALID_CONSTANT')).toBe('the answer was not valid HTTP');
    expect(describeNetworkCode('EWHATEVER')).toBe('the request failed (EWHATEVER)');
  });
});
