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

describe('which requests go through a proxy', () => {
  const proxied = (url: string, env: Record<string, string>) => proxyFor(new URL(url), env)?.display;

  it('never sends a loopback origin through one, whatever NO_PROXY says', () => {
    const env = { HTTP_PROXY: 'http://proxy:3128', HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'example.com' };
    const loopback = ['http://localhost:8080', 'http://127.0.0.1:1', 'http://127.1.2.3', 'http://[::1]:9'];
    const alsoLocal = ['https://localhost', 'http://app.localhost:1', 'http://[::ffff:127.0.0.1]:1', 'http://0.0.0.0'];
    for (const url of [...loopback, ...alsoLocal, 'http://LOCALHOST.:1']) {
      expect(proxied(url, env), url).toBeUndefined();
    }
    expect(proxied('https://api.podio.com', env)).toBe('http://proxy:3128');
    expect(proxied('http://128.0.0.1', env)).toBe('http://proxy:3128');
  });

  it('takes HTTPS_PROXY for https (HTTP_PROXY when it is unset), HTTP_PROXY for http, lower case first', () => {
    const both = { HTTPS_PROXY: 'http://a:1', HTTP_PROXY: 'http://b:2' };
    expect(proxied('https://api.podio.com', both)).toBe('http://a:1');
    expect(proxied('http://api.podio.test', both)).toBe('http://b:2');
    expect(proxied('https://api.podio.com', { HTTP_PROXY: 'http://b:2' })).toBe('http://b:2');
    expect(proxied('http://api.podio.test', { HTTPS_PROXY: 'http://a:1' })).toBeUndefined();
    const lowerFirst = { https_proxy: 'http://lo:1', HTTPS_PROXY: 'http://up:1' };
    expect(proxied('https://api.podio.com', lowerFirst)).toBe('http://lo:1');
    expect(proxied('https://api.podio.com', { https_proxy: '', HTTPS_PROXY: 'http://up:1' })).toBe('http://up:1');
    expect(proxied('https://api.podio.com', { HTTPS_PROXY: 'proxy.corp:3128' })).toBe('http://proxy.corp:3128');
    expect(proxied('https://api.podio.com', {})).toBeUndefined();
  });

  it('never shows proxy credentials, and refuses a proxy it cannot use', () => {
    const setting = proxyFor(new URL('https://api.podio.com'), { HTTPS_PROXY: 'http://user:pa%40ss@proxy:3128/' });
    expect(setting?.display).toBe('http://***@proxy:3128');
    expect(setting?.variable).toBe('HTTPS_PROXY');
    const bads = ['socks5://u:hunter2@proxy:1080', 'http://u:hunter2@[bad', 'http://u:hun@t:er2@[x', 'http://u:%zz@p'];
    for (const bad of bads) {
      let error: unknown;
      try {
        proxyFor(new URL('https://api.podio.com'), { HTTPS_PROXY: bad });
      } catch (caught) {
        error = caught;
      }
      expect(error, bad).toMatchObject({ code: 'usage' });
      expect((error as Error).message).toContain('HTTPS_PROXY');
      expect((error as Error).message).not.toMatch(/hun|er2|zz/);
    }
  });

  it('honours NO_PROXY: a comma list of names, domains (with or without a leading dot), IPs, ports, and *', () => {
    const matches = (url: string, noProxy: string) => matchesNoProxy(new URL(url), noProxy);
    expect(matches('https://api.podio.com', '*')).toBe(true);
    expect(matches('https://api.podio.com', 'podio.com')).toBe(true);
    expect(matches('https://api.podio.com', '.podio.com')).toBe(true);
    expect(matches('https://api.podio.com', '*.podio.com')).toBe(true);
    expect(matches('https://podio.com', '.podio.com')).toBe(true);
    expect(matches('https://notpodio.com', 'podio.com')).toBe(false);
    expect(matches('https://api.podio.com', 'example.org, API.Podio.com')).toBe(true);
    expect(matches('https://api.podio.com', 'example.org,,other.net')).toBe(false);
    expect(matches('https://api.podio.com', 'api.podio.com:443')).toBe(true);
    expect(matches('https://api.podio.com', 'api.podio.com:8443')).toBe(false);
    expect(matches('https://api.podio.com:8443', 'api.podio.com:8443')).toBe(true);
    expect(matches('http://10.1.2.3:8080', '10.1.2.3')).toBe(true);
    expect(matches('http://[2001:db8::1]:8080', '2001:db8::1')).toBe(true);
    expect(matches('http://[2001:db8::1]:8080', '[2001:db8::1]:8080')).toBe(true);
    expect(matches('http://[2001:db8::1]:8080', '[2001:db8::1]:80')).toBe(false);
    expect(matches('https://api.podio.com.', 'podio.com')).toBe(true);
    const env = { HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'podio.com' };
    expect(proxied('https://api.podio.com', env)).toBeUndefined();
    expect(proxied('https://api.podio.example', env)).toBe('http://proxy:3128');
  });
});
