import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { APP, DEMO_CLIENT, type EmulatorOptions, PodioEmulator, USER } from '../../src/emulator/podio-emulator.js';

/**
 * Podio's official Node client, podio-js 1.6.1, against the emulator: what it sends must be what the emulator
 * accepts, and what the emulator answers must be what it understands.
 */

type Callback = (error: unknown) => void;

/** The part of podio-js's client these tests use (it ships no types). */
interface PodioJs {
  authObject?: { accessToken: string; refreshToken: string; expiresIn: number | string; scope?: string };
  getAuthorizationURL(redirectUrl: string): string;
  getAccessToken(code: string, redirectUrl: string, callback: Callback): void;
  authenticateWithCredentials(username: string, password: string, callback: Callback): void;
  authenticateWithApp(appId: number, appToken: string, callback: Callback): void;
  setAccessToken(answer: { access_token: string; refresh_token: string; expires_in: number }): void;
  isAuthenticated(): Promise<void>;
  request(method: string, path: string, data?: unknown): Promise<unknown>;
  getThumbnailURLForFileLink(link: string, size: string): string;
  _getUtils(): PodioJsUtils;
}

interface PodioJsUtils {
  _getHash(): string;
  _getHashParams(): Record<string, string>;
}

interface PodioJsOptions {
  apiURL: string;
  afterTokenRefreshed?: (answer: unknown) => void;
}

type PodioJsConstructor = new (
  auth: { authType: 'server' | 'client' | 'password'; clientId: string; clientSecret?: string },
  options: PodioJsOptions,
) => PodioJs;

const require = createRequire(import.meta.url);
const { api: Podio } = require('podio-js') as { api: PodioJsConstructor };

interface PodioJsError {
  name: string;
  status: number;
  message: unknown;
}

const UserStatus = expect.objectContaining({ user: expect.objectContaining({ mail: USER.mail }) });

/** The emulator as a user's tests would start it: on localhost, so that podio-js can build its authorize URL. */
async function startEmulator(options: EmulatorOptions = {}): Promise<PodioEmulator> {
  const emulator = await new PodioEmulator({ host: 'localhost', ...options }).start();
  onTestFinished(() => emulator.stop());
  return emulator;
}

function podioJs(
  emulator: PodioEmulator,
  authType: 'server' | 'client' | 'password',
  options: Partial<PodioJsOptions> = {},
): PodioJs {
  const clientSecret = authType === 'client' ? undefined : DEMO_CLIENT.clientSecret;
  return new Podio(
    { authType, clientId: DEMO_CLIENT.clientId, ...(clientSecret ? { clientSecret } : {}) },
    { apiURL: emulator.url, ...options },
  );
}

/** podio-js's callback style as a promise. */
function done(start: (callback: Callback) => void): Promise<void> {
  return new Promise((resolve, reject) => start((error) => (error ? reject(error as Error) : resolve())));
}

async function rejection(promise: Promise<unknown>): Promise<PodioJsError> {
  return promise.then(
    () => {
      throw new Error('expected podio-js to reject');
    },
    (error: unknown) => error as PodioJsError,
  );
}

/** The app's own redirect target: a loopback server that keeps the query each visit brings. */
async function startCallbackServer(): Promise<{ redirectUri: string; visits: URLSearchParams[] }> {
  const visits: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    visits.push(new URL(req.url ?? '/', 'http://localhost').searchParams);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { redirectUri: `http://localhost:${(server.address() as AddressInfo).port}/callback`, visits };
}

/** A person at a browser with cookies off: load a page, follow at most five redirects; returns where it ended. */
async function browse(url: string, init: RequestInit = {}): Promise<{ url: string; html: string }> {
  let current = url;
  let response = await fetch(current, { ...init, redirect: 'manual' });
  for (let hops = 0; response.status >= 300 && response.status < 400 && hops < 5; hops++) {
    current = new URL(response.headers.get('location') ?? '', current).toString();
    response = await fetch(current, { redirect: 'manual' });
  }
  return { url: current, html: await response.text() };
}

/** Clicks "Grant access" on the emulator's authorize page by posting its form. */
async function grantOnPage(authorizeUrl: string): Promise<{ url: string; html: string }> {
  const page = await browse(authorizeUrl);
  const form = page.html.match(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/);
  expect(form, page.html).toBeTruthy();
  const fields = new URLSearchParams();
  for (const [, name, value] of (form?.[2] ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.set(name ?? '', (value ?? '').replace(/&amp;/g, '&'));
  }
  fields.set('decision', 'grant');
  return browse(new URL(form?.[1] ?? '', page.url).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
}

describe('podio-js 1.6.1 against the emulator', () => {
  it("app authentication, then API calls by header and by podio-js's ?oauth_token= links", async () => {
    const emulator = await startEmulator();
    const podio = podioJs(emulator, 'server');
    await done((callback) => podio.authenticateWithApp(Number(APP.app_id), APP.app_token, callback));
    expect(emulator.grants('app')).toHaveLength(1);
    expect(emulator.grants('app')[0]?.endpoint).toBe('form');
    expect(await podio.request('GET', '/oauth/scope')).toEqual([
      { ref_type: 'app', ref_id: 777, permissions: ['all'], ref_data: { name: 'Emulated app' } },
    ]);
    // podio-js puts the token in the query string of file links (general.js).
    const link = podio.getThumbnailURLForFileLink(`${emulator.url}/oauth/scope`, 'original');
    expect(new URL(link).searchParams.get('oauth_token')).toBe(podio.authObject?.accessToken);
    expect((await fetch(link)).status).toBe(200);
  });

  it('password authentication', async () => {
    const emulator = await startEmulator();
    const podio = podioJs(emulator, 'password');
    await done((callback) => podio.authenticateWithCredentials(USER.mail, USER.password, callback));
    expect(podio.authObject?.expiresIn).toBe(28_800);
    expect(await podio.request('GET', '/user/status')).toEqual(UserStatus);
    const wrong = podioJs(emulator, 'password');
    const refused = await done((callback) => wrong.authenticateWithCredentials(USER.mail, 'wrong', callback)).catch(
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ name: 'PodioAuthorizationError', status: 400 });
  });

  it('server-side flow: the authorize page, the redirect with a code, the code exchange', async () => {
    const emulator = await startEmulator();
    const { redirectUri, visits } = await startCallbackServer();
    const podio = podioJs(emulator, 'server');
    const authorizeUrl = podio.getAuthorizationURL(redirectUri);
    expect(authorizeUrl.startsWith(`${emulator.url}/oauth/authorize?`)).toBe(true);
    const landed = await grantOnPage(authorizeUrl);
    expect(landed.html).toBe('ok');
    const code = visits[0]?.get('code') ?? '';
    expect(code).toMatch(/^[0-9a-f]{40}$/);
    await done((callback) => podio.getAccessToken(code, redirectUri, callback));
    expect(await podio.request('GET', '/user/status')).toEqual(UserStatus);
  });

  it('client-side flow: response_type=token brings the tokens in the fragment podio-js parses', async () => {
    const emulator = await startEmulator();
    const { redirectUri } = await startCallbackServer();
    const podio = podioJs(emulator, 'client');
    const authorizeUrl = podio.getAuthorizationURL(redirectUri);
    expect(new URL(authorizeUrl).searchParams.get('response_type')).toBe('token');
    const landed = await grantOnPage(authorizeUrl);
    // In a browser podio-js reads window.location.hash; here the page it landed on gives that hash.
    const hash = new URL(landed.url).hash;
    const utils = podio._getUtils();
    podio._getUtils = () => ({ ...utils, _getHash: () => hash });
    await podio.isAuthenticated();
    expect(podio.authObject?.accessToken).toMatch(/^[0-9a-f]{128}$/);
    expect(emulator.isLiveRefreshToken(podio.authObject?.refreshToken ?? '')).toBe(true);
    expect(podio.authObject?.expiresIn).toBe('28800');
    expect(await podio.request('GET', '/user/status')).toEqual(UserStatus);
  });

  it('refreshes a born-expired token once and retries the call', async () => {
    const emulator = await startEmulator({ expiresIn: 0 });
    let refreshes = 0;
    const podio = podioJs(emulator, 'password', {
      afterTokenRefreshed: () => {
        // Bounds podio-js's refresh loop should the refreshed token be expired too: without a refresh token
        // the next 401 is final.
        if (++refreshes >= 3 && podio.authObject) podio.authObject.refreshToken = undefined as unknown as string;
      },
    });
    await done((callback) => podio.authenticateWithCredentials(USER.mail, USER.password, callback));
    expect(podio.authObject?.expiresIn).toBe(0);
    expect(await podio.request('GET', '/user/status')).toEqual(UserStatus);
    expect(refreshes).toBe(1);
    expect(emulator.grants('refresh_token')).toHaveLength(1);
    expect(podio.authObject?.expiresIn).toBe(28_800);
  });

  it("refreshes and retries after the emulated clock passes the token's 8 hours, and on invalid_token", async () => {
    const emulator = await startEmulator();
    const podio = podioJs(emulator, 'server');
    await done((callback) => podio.authenticateWithApp(Number(APP.app_id), APP.app_token, callback));
    const before = podio.authObject?.accessToken;
    await fetch(`${emulator.url}/__emulator/clock`, {
      method: 'POST',
      body: JSON.stringify({ advance_seconds: 28_800 }),
    });
    expect(await podio.request('GET', '/oauth/scope')).toHaveLength(1);
    expect(emulator.grants('refresh_token')).toHaveLength(1);
    expect(podio.authObject?.accessToken).not.toBe(before);

    // A token Podio no longer knows, with a refresh token it does: podio-js refreshes on `invalid_token`.
    const other = podioJs(emulator, 'password');
    other.setAccessToken({
      access_token: 'f'.repeat(128),
      refresh_token: emulator.issueTokens().refresh_token,
      expires_in: 28_800,
    });
    expect(await other.request('GET', '/user/status')).toEqual(UserStatus);
    expect(emulator.grants('refresh_token')).toHaveLength(2);
  });

  it('gets PodioRateLimitError past the rate limit', async () => {
    const emulator = await startEmulator({ rateLimit: 2 });
    const podio = podioJs(emulator, 'password');
    await done((callback) => podio.authenticateWithCredentials(USER.mail, USER.password, callback));
    await podio.request('GET', '/user/status');
    await podio.request('GET', '/user/status');
    const error = await rejection(podio.request('GET', '/user/status'));
    expect(error).toMatchObject({
      name: 'PodioRateLimitError',
      status: 420,
      message: expect.objectContaining({ error: 'rate_limit' }),
    });
  });
});
