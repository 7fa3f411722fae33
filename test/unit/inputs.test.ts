import { describe, expect, it } from 'vitest';
import { apiOriginFor, parseOrigin } from '../../src/podio/origins.js';
import { parseRedirectHost } from '../../src/usecases/login/redirect-host.js';

describe('inputs', () => {
  it('takes origins over https, and plain http only to loopback', () => {
    expect(parseOrigin('PODIO_API_URL', 'https://api.podio.com/')).toBe('https://api.podio.com');
    expect(parseOrigin('PODIO_API_URL', 'http://127.0.0.1:8765/x')).toBe('http://127.0.0.1:8765');
    expect(parseOrigin('PODIO_API_URL', 'http://localhost:1')).toBe('http://localhost:1');
    expect(parseOrigin('PODIO_API_URL', 'http://[::1]:1')).toBe('http://[::1]:1');
    for (const bad of ['http://api.podio.com', 'ftp://x', 'not a url', 'https://user:pw@api.podio.com', 5]) {
      expect(() => parseOrigin('PODIO_API_URL', bad), String(bad)).toThrow(expect.objectContaining({ exitCode: 2 }));
    }
  });

  it("takes a stored profile's own origin, and refuses a PODIO_API_URL that names another; else PODIO_API_URL, then Podio", () => {
    expect(apiOriginFor(undefined, {})).toBe('https://api.podio.com');
    expect(apiOriginFor(undefined, { PODIO_API_URL: 'https://x.example' })).toBe('https://x.example');
    expect(apiOriginFor({ api_url: 'http://localhost:9' }, {})).toBe('http://localhost:9');
    expect(apiOriginFor({ api_url: 'http://localhost:9' }, { PODIO_API_URL: 'http://localhost:9/' })).toBe(
      'http://localhost:9',
    );
    expect(() => apiOriginFor({ api_url: 'http://localhost:9' }, { PODIO_API_URL: 'https://x.example' }, 'w')).toThrow(
      expect.objectContaining({
        code: 'origin_mismatch',
        message:
          'PODIO_API_URL is https://x.example, but profile "w" logged in at http://localhost:9: its tokens and secrets are sent only there.',
      }),
    );
    // A record that names no origin logged in at Podio's own.
    expect(() => apiOriginFor({}, { PODIO_API_URL: 'http://localhost:9' })).toThrow(
      expect.objectContaining({ code: 'origin_mismatch' }),
    );
  });

  it('takes a redirect host that is a name or a loopback address, nothing else', () => {
    expect(parseRedirectHost('localhost')).toBe('localhost');
    expect(parseRedirectHost('LocalTest.me')).toBe('localtest.me');
    expect(parseRedirectHost('127.0.0.1')).toBe('127.0.0.1');
    expect(parseRedirectHost('[::1]')).toBe('[::1]');
    for (const bad of ['0.0.0.0', '192.168.1.2', 'localhost:8080', 'evil.example/path', 'a b', '']) {
      expect(() => parseRedirectHost(bad), bad).toThrow(expect.objectContaining({ exitCode: 2 }));
    }
  });
});
