import { describe, expect, it } from 'vitest';
import { isLoopbackHost, matchesNoProxy, proxyFor } from '../../src/http/proxy-setting.js';

const matches = (url: string, noProxy: string) => matchesNoProxy(new URL(url), noProxy);

describe('NO_PROXY matching', () => {
  it('matches a name, and every name under a domain, only on a label boundary', () => {
    expect(matches('https://podio.com', 'podio.com')).toBe(true);
    expect(matches('https://a.b.podio.com', 'podio.com')).toBe(true);
    expect(matches('https://xpodio.com', 'podio.com')).toBe(false);
    expect(matches('https://podio.com.evil.example', 'podio.com')).toBe(false);
    expect(matches('https://podio.com', 'api.podio.com')).toBe(false);
  });

  it('reads a leading dot, a leading *. and a trailing dot on an entry as no dot at all', () => {
    for (const entry of ['.podio.com', '..podio.com', '*.podio.com', 'podio.com.', '*.podio.com.']) {
      expect(matches('https://podio.com', entry), entry).toBe(true);
      expect(matches('https://api.podio.com', entry), entry).toBe(true);
    }
  });

  it('skips entries that name nothing, rather than matching everything', () => {
    for (const entry of ['.', '*.', ',', ' , ', ':443', '[]', '*.:443']) {
      expect(matches('https://api.podio.com', entry), entry).toBe(false);
    }
  });

  it('splits the list on commas, spaces and tabs, and ignores case', () => {
    expect(matches('https://API.Podio.COM', 'example.org\tpodio.COM')).toBe(true);
    expect(matches('https://api.podio.com', 'example.org other.net,\n podio.com')).toBe(true);
  });

  it("compares an entry's port with the URL's port, or its scheme's default port", () => {
    expect(matches('http://api.podio.test', 'api.podio.test:80')).toBe(true);
    expect(matches('http://api.podio.test', 'api.podio.test:443')).toBe(false);
    expect(matches('https://api.podio.test', 'api.podio.test:443')).toBe(true);
    expect(matches('https://api.podio.test:8443', 'api.podio.test')).toBe(true);
    expect(matches('https://api.podio.test:8443', 'api.podio.test:443')).toBe(false);
  });

  it('matches IP addresses, with IPv6 bare (no port) or in brackets (with one)', () => {
    expect(matches('http://10.0.0.7:3000', '10.0.0.7:3000')).toBe(true);
    expect(matches('http://10.0.0.7:3000', '10.0.0.8')).toBe(false);
    expect(matches('https://[2001:db8::7]', '2001:DB8::7')).toBe(true);
    expect(matches('https://[2001:db8::7]', '[2001:db8::7]:443')).toBe(true);
    expect(matches('https://[2001:db8::7]', '[2001:db8::7]:80')).toBe(false);
  });

  it('takes * alone as "no proxy for anything", but not * inside a name', () => {
    expect(matches('https://api.podio.com', 'example.org, *')).toBe(true);
    expect(matches('https://api.podio.com', 'api.*.com')).toBe(false);
  });
});

describe('loopback hosts, which never go through a proxy', () => {
  it('knows every spelling of this host that a URL can hold', () => {
    const loopback = [
      'localhost',
      'LOCALHOST.',
      'app.localhost',
      '127.0.0.1',
      '127.255.0.9',
      '[::1]',
      '[::]',
      '0.0.0.0',
    ];
    for (const host of [...loopback, new URL('http://[::ffff:127.0.0.1]').hostname]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
  });

  it('does not take names or addresses that merely look local', () => {
    for (const host of ['localhost.example', 'mylocalhost', '128.0.0.1', '[::2]', '10.0.0.1', '[::ffff:a00:1]']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('the proxy setting', () => {
  const api = new URL('https://api.podio.com');

  it('sends the decoded user name and password to the proxy as Basic, and shows neither', () => {
    const setting = proxyFor(api, { HTTPS_PROXY: 'http://us%3Aer:p%40ss@proxy.corp:3128' });
    expect(setting?.authorization).toBe(`Basic ${Buffer.from('us:er:p@ss').toString('base64')}`);
    expect(setting?.display).toBe('http://***@proxy.corp:3128');
    expect(proxyFor(api, { HTTPS_PROXY: 'http://proxy.corp:3128' })?.authorization).toBeUndefined();
  });

  it('takes an https:// proxy, and names the variable it came from', () => {
    const setting = proxyFor(api, { https_proxy: 'https://proxy.corp' });
    expect(setting?.url.href).toBe('https://proxy.corp/');
    expect(setting?.variable).toBe('https_proxy');
  });

  it('lets lower-case no_proxy win over NO_PROXY, as for the proxy variables', () => {
    const env = { HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'example.org', NO_PROXY: 'podio.com' };
    expect(proxyFor(api, env)?.display).toBe('http://proxy:3128');
    expect(proxyFor(api, { ...env, no_proxy: ' ' })).toBeUndefined();
  });

  it('shows a refused proxy URL without its credentials, even with an unencoded @ in the password', () => {
    expect(() => proxyFor(api, { HTTPS_PROXY: 'ftp://user:se@cret@proxy:21' })).toThrow(
      'HTTPS_PROXY must be an http:// or https:// proxy URL, not "ftp://***@proxy:21".',
    );
  });
});
