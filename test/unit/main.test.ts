import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.js';
import type { HttpSend } from '../../src/http.js';
import { main } from '../../src/main.js';
import { prompt } from '../../src/ui/prompt.js';
import { fakeDeps, unexpectedHttp } from '../support/deps.js';
import { readAll } from '../support/streams.js';

async function storeExpired(deps: Deps) {
  await deps.store.transact(deps.signal, (tx) =>
    tx.writeProfile('default', {
      client_id: 'c',
      client_secret: 'SECRET-XYZ',
      access_token: 'old',
      expires_at: '2025-01-01T00:00:00Z',
      refresh_token: 'REFRESH-XYZ',
      api_url: 'https://api.example',
    }),
  );
}

describe('main maps every outcome to one exit code', () => {
  it('usage errors exit 2', async () => {
    for (const argv of [
      ['nope'],
      ['token', '--bogus'],
      ['login', '--timeout', '0'],
      ['login', '--port', '70000'],
      [],
    ]) {
      const { deps, err } = fakeDeps(unexpectedHttp);
      expect(await main(argv, deps), argv.join(' ')).toBe(2);
      expect(err()).not.toBe('');
    }
  });

  it('help and version exit 0 and go to stdout', async () => {
    const help = fakeDeps(unexpectedHttp);
    expect(await main(['--help'], help.deps)).toBe(0);
    const text = help.out();
    for (const command of ['login', 'token', 'status', 'logout']) expect(text).toContain(command);
    const version = fakeDeps(unexpectedHttp);
    expect(await main(['--version'], version.deps)).toBe(0);
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('an unexpected error is one line and exit 1; --debug adds the stack', async () => {
    const plain = fakeDeps(unexpectedHttp);
    await storeExpired(plain.deps);
    expect(await main(['token'], plain.deps)).toBe(1);
    const text = plain.err();
    expect(text).toContain('Unexpected error: no network in this test');
    expect(text).not.toMatch(/\n\s+at /);

    const debug = fakeDeps(unexpectedHttp);
    await storeExpired(debug.deps);
    expect(await main(['--debug', 'token'], debug.deps)).toBe(1);
    expect(debug.err()).toMatch(/\n\s+at /);
  });

  it('never prints a secret, even when the text it reports contains one', async () => {
    const leaky: HttpSend = async () => {
      throw new Error('boom SECRET-ENV-123');
    };
    const { deps, err } = fakeDeps(leaky, { PODIO_CLIENT_SECRET: 'SECRET-ENV-123' });
    await storeExpired(deps);
    expect(await main(['token'], deps)).toBe(1);
    expect(err()).not.toContain('SECRET-ENV-123');
  });

  it('a refresh answered with invalid_grant exits 4 and prints nothing on stdout', async () => {
    const http: HttpSend = async () => ({
      status: 400,
      headers: { 'content-type': 'application/json' },
      text: JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid refresh_token' }),
    });
    const { deps, out, err } = fakeDeps(http);
    await storeExpired(deps);
    expect(await main(['token'], deps)).toBe(4);
    expect(out()).toBe('');
    expect(err()).toMatch(/podio-auth login/);
  });
});

describe('prompt', () => {
  it('reads a hidden line from a terminal without echoing it', async () => {
    const stdin = Object.assign(new PassThrough(), {
      isTTY: true,
      rawModes: [] as boolean[],
      setRawMode(mode: boolean) {
        this.rawModes.push(mode);
      },
    });
    const stderr = new PassThrough();
    const answer = prompt('Secret: ', { stdin, stderr, signal: new AbortController().signal }, { hidden: true });
    stdin.write('s3cx\u007fret\r');
    expect(await answer).toBe('s3cret');
    expect(readAll(stderr)).toBe('Secret: \n');
    expect(stdin.rawModes).toEqual([true, false]);
  });

  it('treats Ctrl-C as an interruption', async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode() {} });
    const answer = prompt('Id: ', { stdin, stderr: new PassThrough(), signal: new AbortController().signal });
    stdin.write('ab\u0003');
    await expect(answer).rejects.toMatchObject({ exitCode: 130 });
  });
});
