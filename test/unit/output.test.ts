import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sanitizeForTerminal } from '../../src/domain/terminal-text.js';
import { escapeHtml, PAGE_HEADERS, pages, renderPage } from '../../src/login/pages.js';
import { browserCommand, splitCommand } from '../../src/platform/browser-opener.js';
import { createSecretRegistry } from '../../src/secrets.js';
import { formatDuration } from '../../src/ui/format.js';
import { createMessages, useColour } from '../../src/ui/messages.js';
import { readAll } from '../support/streams.js';

describe('colour', () => {
  it('is on only on a TTY, off under NO_COLOR (which wins) and TERM=dumb, forced by FORCE_COLOR', () => {
    expect(useColour({}, true)).toBe(true);
    expect(useColour({}, false)).toBe(false);
    expect(useColour({ NO_COLOR: '1' }, true)).toBe(false);
    expect(useColour({ TERM: 'dumb' }, true)).toBe(false);
    expect(useColour({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(useColour({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(useColour({ NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(false);
    expect(useColour({ TERM: 'dumb', FORCE_COLOR: '1' }, false)).toBe(true);
  });

  it('writes ANSI codes only when colour is on', async () => {
    const read = async (colour: boolean) => {
      const stream = new PassThrough();
      (await createMessages(stream, colour)).error('bad', 'hint');
      return readAll(stream);
    };
    expect(await read(false)).toBe('✗ bad\nhint\n');
    expect(await read(true)).toContain('\u001b[31m');
  });
});

describe('text from outside', () => {
  it('loses control characters and length in the terminal', () => {
    expect(sanitizeForTerminal('a\u001b]0;title\u0007b\r\nc')).toBe('a ]0;title b  c');
    expect(sanitizeForTerminal('x'.repeat(300))).toHaveLength(201);
  });

  it('has every secret seen redacted: environment, proxy passwords, stored profiles', () => {
    const secrets = createSecretRegistry();
    secrets.addEnv({ PODIO_CLIENT_SECRET: 'abcdefgh', HTTPS_PROXY: 'http://u:proxy-pass@proxy:3128' });
    secrets.addProfile({ refresh_token: 'stored-refresh-1', access_token: 'ab' });
    expect(secrets.redact('abcdefgh, proxy-pass, stored-refresh-1, ab')).toBe('[redacted], [redacted], [redacted], ab');
  });

  it('redacts a secret as a JSON text quotes it too, as a server echoing a request body would', () => {
    const secrets = createSecretRegistry();
    const password = 'S3cr"et\\pw\tx';
    secrets.add(password);
    expect(secrets.redact(JSON.stringify({ password }))).toBe('{"password":"[redacted]"}');
    expect(secrets.redact(`said ${password}`)).toBe('said [redacted]');
  });

  it('durations read with days, hours and minutes', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(12 * 60_000)).toBe('12 min');
    expect(formatDuration(7 * 3_600_000 + 59 * 60_000)).toBe('7 h 59 min');
    expect(formatDuration(60578 * 3_600_000 + 22 * 60_000)).toBe('2524 d 2 h');
  });

  it('is escaped in pages', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = renderPage(pages.denied('<img src=x onerror=alert(1)>'));
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('pages forbid every external resource and leak no referrer', () => {
    expect(PAGE_HEADERS['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(PAGE_HEADERS['referrer-policy']).toBe('no-referrer');
    expect(renderPage(pages.success())).not.toMatch(/https?:\/\//);
  });
});

describe('BROWSER', () => {
  it('splits like a shell for words and quotes, and appends the URL', () => {
    expect(splitCommand(`"/usr/bin/my browser" --new-window 'a b' c\\ d`)).toEqual([
      '/usr/bin/my browser',
      '--new-window',
      'a b',
      'c d',
    ]);
    expect(browserCommand('firefox', 'http://x')).toEqual(['firefox', 'http://x']);
    expect(browserCommand('open -a Safari %s --fresh', 'http://x')).toEqual([
      'open',
      '-a',
      'Safari',
      'http://x',
      '--fresh',
    ]);
  });
});
