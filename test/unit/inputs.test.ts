import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRedirectHost } from '../../src/commands/login.js';
import { DEFAULT_HTTP_TIMEOUT_SECONDS, httpTimeoutMs } from '../../src/http.js';
import { parseOrigin } from '../../src/podio.js';
import { withFileLock } from '../../src/store/lock.js';

describe('inputs', () => {
  it('takes origins over https, and plain http only to loopback', () => {
    expect(parseOrigin('PODIO_API_URL', 'https://api.podio.com/')).toBe('https://api.podio.com');
    expect(parseOrigin('PODIO_API_URL', 'http://127.0.0.1:8765/x')).toBe('http://127.0.0.1:8765');
    expect(parseOrigin('PODIO_API_URL', 'http://localhost:1')).toBe('http://localhost:1');
    expect(parseOrigin('PODIO_API_URL', 'http://[::1]:1')).toBe('http://[::1]:1');
    for (const bad of ['http://api.podio.com', 'ftp://x', 'not a url', 'https://user:pw@api.podio.com']) {
      expect(() => parseOrigin('PODIO_API_URL', bad), bad).toThrow(expect.objectContaining({ exitCode: 2 }));
    }
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

  it('waits for Podio 30 s by default, as PODIO_AUTH_HTTP_TIMEOUT says otherwise', () => {
    expect(DEFAULT_HTTP_TIMEOUT_SECONDS).toBe(30);
    expect(httpTimeoutMs({})).toBe(30_000);
    expect(httpTimeoutMs({ PODIO_AUTH_HTTP_TIMEOUT: '5' })).toBe(5_000);
    expect(() => httpTimeoutMs({ PODIO_AUTH_HTTP_TIMEOUT: 'soon' })).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it('breaks a lock file that stays unreadable (a crash between creating and writing it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podio-auth-lock-'));
    try {
      const path = join(dir, 'x.lock');
      writeFileSync(path, '');
      const started = Date.now();
      await expect(withFileLock(path, async () => 'got it', { signal: new AbortController().signal, waitMs: 10_000 })).resolves.toBe('got it');
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
