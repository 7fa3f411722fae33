import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { APP } from '../../src/emulator/podio-emulator.js';
import { errorLines, runCli, startCli, startSandbox } from '../support/cli.js';
import { FaultyProxy, RecordingProxy, TEST_TLS } from '../support/proxy.js';

/** The commands behind an HTTP(S) proxy, as separate processes; the client's own contract is in test/unit/http-client.test.ts. */

async function started<T extends { start(): Promise<T>; stop(): Promise<void> }>(fake: T): Promise<T> {
  await fake.start();
  onTestFinished(() => fake.stop());
  return fake;
}

describe('the CLI behind a proxy', () => {
  it('`token` refreshes through HTTPS_PROXY, with one CONNECT', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(new Date(Date.now() - 60_000));
    sandbox.editProfile('default', { api_url: 'https://api.podio.example', auth_url: 'https://podio.example' });
    const podioPort = Number(new URL(podio.url).port);
    const proxy = await started(new RecordingProxy({ 'api.podio.example:443': { port: podioPort, tls: true } }));
    const ca = join(sandbox.root, 'test-ca.pem');
    writeFileSync(ca, TEST_TLS.cert);
    const env = sandbox.env({ PODIO_API_URL: undefined, PODIO_AUTH_URL: undefined, HTTPS_PROXY: proxy.url });
    const result = await runCli(['token'], { ...env, NODE_EXTRA_CA_CERTS: ca });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(podio.isValidAccessToken(result.stdout.trim())).toBe(true);
    expect(proxy.seen).toEqual(['CONNECT api.podio.example:443']);
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`one ${signal} while the proxy has not answered CONNECT ends \`token\` at once with ${code}; no lock left`, async () => {
      const { sandbox } = await startSandbox();
      const before = sandbox.storeLogin(new Date(Date.now() - 60_000));
      sandbox.editProfile('default', { api_url: 'https://api.podio.example', auth_url: 'https://podio.example' });
      const proxy = await started(new FaultyProxy('never-answer'));
      const env = sandbox.env({ PODIO_API_URL: undefined, PODIO_AUTH_URL: undefined, HTTPS_PROXY: proxy.url });
      const cli = startCli(['token'], { ...env, PODIO_AUTH_HTTP_TIMEOUT: '60' });
      expect(await proxy.nextRequest()).toBe('CONNECT api.podio.example:443 HTTP/1.1');
      const signalledAt = Date.now();
      cli.child.kill(signal);
      const result = await cli.done;
      // Nothing reached Podio: no waiting for an answer (which here would end only at the 60 s deadline).
      expect(Date.now() - signalledAt).toBeLessThan(5_000);
      expect(result.code).toBe(code);
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toMatch(/already sent/);
      expect(errorLines(result)).toEqual(['✗ Interrupted before the token request was sent; nothing changed.']);
      expect(existsSync(`${sandbox.configFile}.lock`)).toBe(false);
      expect(sandbox.readConfig().profiles['default']).toMatchObject({
        access_token: before.access_token,
        refresh_token: before.refresh_token,
      });
    });
  }

  it('`login --app` too: one Ctrl-C while the proxy has not answered CONNECT ends it at once, nothing stored', async () => {
    const { sandbox } = await startSandbox();
    const proxy = await started(new FaultyProxy('never-answer'));
    const env = sandbox.env({
      PODIO_API_URL: 'https://api.podio.example',
      PODIO_AUTH_URL: 'https://podio.example',
      HTTPS_PROXY: proxy.url,
      PODIO_APP_TOKEN: APP.app_token,
      PODIO_AUTH_HTTP_TIMEOUT: '60',
    });
    const cli = startCli(['login', '--app', APP.app_id], env);
    expect(await proxy.nextRequest()).toBe('CONNECT api.podio.example:443 HTTP/1.1');
    const signalledAt = Date.now();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    expect(result.code).toBe(130);
    expect(result.stderr).not.toMatch(/already sent/);
    expect(errorLines(result)).toEqual(['✗ Interrupted before the token request was sent; nothing changed.']);
    expect(existsSync(sandbox.configFile)).toBe(false);
  });

  it('once the token request went through the tunnel, a first Ctrl-C waits for the answer and stores it', async () => {
    const { podio, sandbox } = await startSandbox({ tokenDelayMs: 800 });
    const before = sandbox.storeLogin(new Date(Date.now() - 60_000));
    sandbox.editProfile('default', { api_url: 'https://api.podio.example', auth_url: 'https://podio.example' });
    const podioPort = Number(new URL(podio.url).port);
    const proxy = await started(new RecordingProxy({ 'api.podio.example:443': { port: podioPort, tls: true } }));
    const ca = join(sandbox.root, 'test-ca.pem');
    writeFileSync(ca, TEST_TLS.cert);
    const env = sandbox.env({ PODIO_API_URL: undefined, PODIO_AUTH_URL: undefined, HTTPS_PROXY: proxy.url });
    const cli = startCli(['token'], { ...env, NODE_EXTRA_CA_CERTS: ca });
    await podio.nextTokenRequestArrives();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/Podio is answering a token request already sent: waiting for its answer/);
    expect(result.stderr).toMatch(/the token Podio had already sent was stored first/);
    const stored = sandbox.readConfig().profiles['default'] ?? {};
    expect(stored['refresh_token']).not.toBe(before.refresh_token);
    expect(podio.isLiveRefreshToken(String(stored['refresh_token']))).toBe(true);
    expect(existsSync(`${sandbox.configFile}.lock`)).toBe(false);
  });

  it('`token` behind one that closes after CONNECT: exit 1 within 10 s, the proxy named, no lock left', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(new Date(Date.now() - 60_000));
    sandbox.editProfile('default', { api_url: 'https://api.podio.example', auth_url: 'https://podio.example' });
    const proxy = await started(new FaultyProxy('close-after-connect'));
    const startedAt = Date.now();
    const env = sandbox.env({ PODIO_API_URL: undefined, PODIO_AUTH_URL: undefined, HTTPS_PROXY: proxy.url });
    const result = await runCli(['token'], { ...env, PODIO_AUTH_HTTP_TIMEOUT: '3' });
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = errorLines(result);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`The proxy ${proxy.url} closed the connection after CONNECT.`);
    expect(proxy.connections).toBeGreaterThanOrEqual(1);
    expect(proxy.connections).toBeLessThan(20);
    expect(existsSync(`${sandbox.configFile}.lock`)).toBe(false);
    expect(result.stderr).not.toContain(sandbox.podio.options.clientSecret);
  });
});
