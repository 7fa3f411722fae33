import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ProfileRecord } from '../../src/domain/profile.js';
import { APP, USER } from '../../src/emulator/podio-emulator.js';
import { getToken, type PodioAuthError, type PodioJsSessionStore, podioJsSessionStore } from '../../src/index.js';
import { writeBackOf } from '../../src/interop/podio-js-write-back.js';
import type { TokenSet } from '../../src/podio/token-client.js';
import { ROOT, runCli, runMain, type Sandbox, startSandbox } from '../support/cli.js';
import type { FakePodio } from '../support/fake-podio.js';

/**
 * podio-js 1.6.1 (Podio's own Node client) sharing the CLI's login through `podioJsSessionStore()`, against the
 * emulator: its calls use the stored login, its own refreshes are written back rotation-safe, refreshes the CLI
 * makes reach it, and a refresh both need is made once. Also `token --json` handed to podio-js's `setAccessToken`.
 */

type Callback = (error: unknown) => void;

interface PodioJsAuthObject {
  accessToken: string;
  refreshToken?: string | null;
  expiresIn: number | string | null;
  ref?: { type: string; id: number | string };
  scope?: string;
}

/** The part of podio-js's client these tests use (it ships no types). */
interface PodioJs {
  authObject?: PodioJsAuthObject;
  isAuthenticated(): Promise<void>;
  request(method: string, path: string, data?: unknown): Promise<unknown>;
  authenticateWithApp(appId: number, appToken: string, callback: Callback): void;
  setAccessToken(answer: unknown): void;
}

type PodioJsConstructor = new (
  auth: { authType: 'server' | 'password'; clientId: string; clientSecret: string },
  options: { apiURL: string; sessionStore?: PodioJsSessionStore | undefined },
) => PodioJs;

const require = createRequire(import.meta.url);
const { api: Podio } = require('podio-js') as { api: PodioJsConstructor };

const UserStatus = expect.objectContaining({ user: expect.objectContaining({ mail: USER.mail }) });
const EIGHT_HOURS = 8 * 3600;

function podioJs(podio: FakePodio, sessionStore?: PodioJsSessionStore): PodioJs {
  const { clientId, clientSecret } = podio.options;
  return new Podio({ authType: 'server', clientId, clientSecret }, { apiURL: podio.url, sessionStore });
}

/** A session store whose failures are collected instead of printed; it stops refreshing when the test ends. */
function sessionStore(env: Record<string, string | undefined>, profile?: string) {
  const errors: PodioAuthError[] = [];
  const store = podioJsSessionStore({ env, ...(profile ? { profile } : {}), onError: (error) => errors.push(error) });
  onTestFinished(() => store.close());
  return { store, errors };
}

/**
 * podio-js's calls, settled within `ms`: a refresh of podio-js's that fails throws from inside its HTTP callback,
 * and the call it was for never settles. The deadline is a bound, not a wait: it passes only when something broke.
 */
function settledWithin<T>(ms: number, calls: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`podio-js calls did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([Promise.allSettled(calls), deadline]).finally(() => clearTimeout(timer));
}

/** The scenario itself, not a synchronisation: the process sits idle while its tokens run out. */
const idleFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function stored(sandbox: Sandbox, profile = 'default'): Record<string, unknown> {
  return sandbox.readConfig().profiles[profile] ?? {};
}

function done(start: (callback: Callback) => void): Promise<void> {
  return new Promise((resolve, reject) => start((error) => (error ? reject(error as Error) : resolve())));
}

/** The token podio-js sent with its last /user/status call. */
function lastTokenSent(podio: FakePodio): string {
  return (podio.userStatusCalls.at(-1) ?? '').replace(/^OAuth2 /, '');
}

const inEightHours = () => new Date(Date.now() + EIGHT_HOURS * 1000);
const aMinuteAgo = () => new Date(Date.now() - 60_000);

describe('podioJsSessionStore: podio-js 1.6.1 on the CLI login', () => {
  it("makes API calls with the login `podio-auth login` stored, and hands podio-js Podio's token fields", async () => {
    const { podio, sandbox } = await startSandbox();
    const env = sandbox.env();
    expect((await runMain(['login'], env)).code).toBe(0);
    const login = stored(sandbox);
    const { store, errors } = sessionStore(env);
    const client = podioJs(podio, store);

    await client.isAuthenticated();
    expect(client.authObject).toMatchObject({
      accessToken: login['access_token'],
      refreshToken: login['refresh_token'],
      ref: { type: 'user', id: USER.user_id },
      scope: 'global:all',
    });
    expect(client.authObject?.expiresIn).toBeGreaterThan(EIGHT_HOURS - 60);
    expect(client.authObject?.expiresIn).toBeLessThanOrEqual(EIGHT_HOURS);
    // Serialisable as podio-js's own session stores keep it.
    expect(JSON.parse(JSON.stringify(client.authObject))).toMatchObject({ accessToken: login['access_token'] });

    expect(await client.request('GET', '/user/status')).toEqual(UserStatus);
    expect(lastTokenSent(podio)).toBe(login['access_token']);
    await store.settled();
    expect(podio.grants('refresh_token')).toHaveLength(0);
    expect(stored(sandbox)).toEqual(login);
    expect(errors).toEqual([]);
  });

  it('survives a token Podio ended early: podio-js refreshes, the refresh is stored, and `token` prints it', async () => {
    const { podio, sandbox } = await startSandbox();
    const env = sandbox.env();
    const first = sandbox.storeLogin(inEightHours());
    const { store, errors } = sessionStore(env);
    const client = podioJs(podio, store);
    await client.isAuthenticated();
    expect(await client.request('GET', '/user/status')).toEqual(UserStatus);

    // Eight hours pass at Podio; here the stored token still looks valid, so only Podio's 401 tells.
    podio.advanceClock(EIGHT_HOURS + 60);
    expect(await client.request('GET', '/user/status')).toEqual(UserStatus);
    await store.settled();
    // The refresh was podio-js's own (form-encoded, to /oauth/token), from the stored refresh token.
    expect(podio.grants('refresh_token')).toHaveLength(1);
    expect(podio.grants('refresh_token')[0]).toMatchObject({
      endpoint: 'form',
      fields: { refresh_token: first.refresh_token },
    });
    const after = stored(sandbox);
    expect(after['access_token']).not.toBe(first.access_token);
    expect(after['access_token']).toBe(client.authObject?.accessToken);
    expect(after['access_token']).toBe(lastTokenSent(podio));
    expect(podio.isLiveRefreshToken(after['refresh_token'] as string)).toBe(true);
    expect(podio.isLiveRefreshToken(first.refresh_token)).toBe(false);
    expect(Date.parse(after['expires_at'] as string) - Date.now()).toBeGreaterThan((EIGHT_HOURS - 60) * 1000);

    const cli = await runMain(['token'], env);
    expect(cli).toMatchObject({ code: 0, stdout: `${after['access_token']}\n` });
    expect(podio.grants('refresh_token')).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it("takes the CLI's refreshes: the next call uses the CLI's token, and podio-js refreshes from the newest", async () => {
    const { podio, sandbox } = await startSandbox();
    const env = sandbox.env();
    const first = sandbox.storeLogin(inEightHours());
    const { store, errors } = sessionStore(env);
    const client = podioJs(podio, store);
    await client.isAuthenticated();

    // The CLI refreshes (its copy of the token has run out); Podio rotates the refresh token.
    sandbox.editProfile('default', { expires_at: aMinuteAgo().toISOString() });
    expect((await runMain(['token'], env)).code).toBe(0);
    const cli = stored(sandbox);
    expect(podio.isLiveRefreshToken(first.refresh_token)).toBe(false);

    // podio-js's next call still goes out with the token it had (Podio still takes it), and makes the store
    // look again; the call after that uses the CLI's token.
    await client.request('GET', '/user/status');
    await store.settled();
    await client.request('GET', '/user/status');
    expect(lastTokenSent(podio)).toBe(cli['access_token']);
    expect(client.authObject?.refreshToken).toBe(cli['refresh_token']);

    // Podio ends that token early: podio-js refreshes by itself, from the CLI's refresh token (the one it had at
    // first was rotated away; refreshing with it would make podio-js throw from its HTTP callback).
    podio.advanceClock(EIGHT_HOURS + 60);
    expect(await client.request('GET', '/user/status')).toEqual(UserStatus);
    await store.settled();
    expect(podio.grants('refresh_token').map((grant) => grant.fields['refresh_token'])).toEqual([
      first.refresh_token,
      cli['refresh_token'],
    ]);
    expect(stored(sandbox)['access_token']).toBe(lastTokenSent(podio));
    expect(errors).toEqual([]);
  });

  it('get refreshes a stored token that is about to expire under the lock, as `token` does', async () => {
    const { podio, sandbox } = await startSandbox();
    const env = sandbox.env();
    sandbox.storeLogin(aMinuteAgo());
    const { store } = sessionStore(env);
    const client = podioJs(podio, store);
    await client.isAuthenticated();
    const refreshed = stored(sandbox);
    expect(client.authObject?.accessToken).toBe(refreshed['access_token']);
    expect(podio.grants('refresh_token')).toHaveLength(1);
    // podio-auth's refresh (JSON, /oauth/token/v2), not podio-js's.
    expect(podio.grants('refresh_token')[0]?.endpoint).toBe('json');
    expect(await client.request('GET', '/user/status')).toEqual(UserStatus);
    await store.settled();
    expect(podio.grants('refresh_token')).toHaveLength(1);
  });

  it('concurrent CLI and podio-js refreshes make one refresh', async () => {
    const { podio, sandbox } = await startSandbox({ tokenDelayMs: 400 });
    const env = sandbox.env();
    sandbox.storeLogin(aMinuteAgo());
    const { store, errors } = sessionStore(env);
    const cliRuns = Array.from({ length: 3 }, () => runCli(['token'], env));
    const client = podioJs(podio, store);
    const [results] = await Promise.all([
      Promise.all(cliRuns),
      client.isAuthenticated().then(() => client.request('GET', '/user/status')),
    ]);
    await store.settled();
    expect(podio.grants('refresh_token')).toHaveLength(1);
    const token = stored(sandbox)['access_token'];
    for (const result of results) expect(result).toMatchObject({ code: 0, stdout: `${token}\n` });
    expect(client.authObject?.accessToken).toBe(token);
    expect(lastTokenSent(podio)).toBe(token);

    // Later, with podio-js already running: its own use of an expiring token and the CLI meet at the lock too.
    sandbox.editProfile('default', { expires_at: aMinuteAgo().toISOString() });
    const again = await Promise.all([
      client.request('GET', '/user/status').then(() => store.settled()),
      runCli(['token'], env),
      runCli(['token'], env),
    ]);
    expect(podio.grants('refresh_token')).toHaveLength(2);
    const next = stored(sandbox)['access_token'];
    expect(next).not.toBe(token);
    expect(again.slice(1)).toEqual([
      expect.objectContaining({ code: 0, stdout: `${next}\n` }),
      expect.objectContaining({ code: 0, stdout: `${next}\n` }),
    ]);
    expect(client.authObject?.accessToken).toBe(next);
    expect(errors).toEqual([]);
  });

  it("writes podio-js's refresh back only over the refresh token it started from", async () => {
    const { podio, sandbox } = await startSandbox();
    const env = sandbox.env();
    sandbox.storeLogin(inEightHours());
    const { store, errors } = sessionStore(env);
    const handed = await new Promise<PodioJsAuthObject | undefined>((resolve) => store.get('server', resolve));
    const ref = { type: 'user', id: USER.user_id };

    // The CLI refreshes to a refresh token podio-js never saw; a refresh podio-js made from the old one loses.
    sandbox.editProfile('default', { expires_at: aMinuteAgo().toISOString() });
    await runMain(['token'], env);
    const cli = stored(sandbox);
    const lost = { accessToken: 'a'.repeat(128), refreshToken: 'b'.repeat(64), expiresIn: EIGHT_HOURS, ref };
    await new Promise((resolve) => store.set(lost, 'server', resolve));
    expect(stored(sandbox)).toEqual(cli);
    // …and podio-js is switched to the stored login.
    expect(lost.accessToken).toBe(cli['access_token']);
    expect(handed?.accessToken).toBe(cli['access_token']);

    // Now podio-js holds the stored refresh token: its refresh from it is stored.
    const won = { accessToken: 'c'.repeat(128), refreshToken: 'd'.repeat(64), expiresIn: EIGHT_HOURS, ref };
    await new Promise((resolve) => store.set(won, 'server', resolve));
    expect(stored(sandbox)).toMatchObject({ access_token: 'c'.repeat(128), refresh_token: 'd'.repeat(64) });

    // podio-js's `set({})` before each refresh of its own forgets nothing.
    let calledBack: unknown = 'not yet';
    await new Promise<void>((resolve) =>
      store.set({}, 'server', (error) => {
        calledBack = error;
        resolve();
      }),
    );
    expect(calledBack).toBeNull();
    expect(stored(sandbox)['access_token']).toBe('c'.repeat(128));
    expect(errors).toEqual([]);
    expect(podio.grants('refresh_token')).toHaveLength(1);
  });

  it('never stores tokens of another user or app; podio-js keeps them to itself', async () => {
    const { podio, sandbox } = await startSandbox();
    const env = sandbox.env();
    sandbox.storeLogin(inEightHours());
    const login = stored(sandbox);
    const { store, errors } = sessionStore(env);
    const client = podioJs(podio, store);
    await client.isAuthenticated();
    await done((callback) => client.authenticateWithApp(Number(APP.app_id), APP.app_token, callback));
    expect(stored(sandbox)).toEqual(login);
    expect(errors.map((error) => error.code)).toEqual(['session_mismatch']);
    expect(errors[0]?.message).toMatch(/podio-js signed in as app 777, but profile "default" belongs to user 4242/);
    expect(client.authObject?.ref).toEqual({ type: 'app', id: 777 });
    expect(await client.request('GET', '/oauth/scope')).toEqual([expect.objectContaining({ ref_type: 'app' })]);
  });

  it('not logged in: podio-js is not authenticated, and onError says why', async () => {
    const { podio, sandbox } = await startSandbox();
    const { store, errors } = sessionStore(sandbox.env());
    const client = podioJs(podio, store);
    await expect(client.isAuthenticated()).rejects.toBeUndefined();
    await store.settled();
    expect(errors.map((error) => [error.code, error.exitCode])).toEqual([['not_logged_in', 4]]);
    await expect(client.request('GET', '/user/status')).rejects.toMatchObject({ name: 'PodioForbiddenError' });
  });

  it('the documented recipe runs as a script on the built package, and the process ends by itself', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(inEightHours());
    podio.advanceClock(EIGHT_HOURS + 60);
    const script = `
      import podioJs from 'podio-js';
      import { podioJsSessionStore } from 'podio-auth';
      const sessionStore = podioJsSessionStore();
      const { PODIO_CLIENT_ID: clientId, PODIO_CLIENT_SECRET: clientSecret, PODIO_API_URL: apiURL } = process.env;
      const podio = new podioJs.api({ authType: 'server', clientId, clientSecret }, { sessionStore, apiURL });
      await podio.isAuthenticated();
      const me = await podio.request('GET', '/user/status');
      await sessionStore.settled();
      process.stdout.write(me.user.mail);
    `;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: sandbox.env(),
      timeout: 20_000,
    });
    expect({ stdout, stderr }).toEqual({ stdout: USER.mail, stderr: '' });
    expect(podio.grants('refresh_token')).toHaveLength(1);
    expect(stored(sandbox)['access_token']).toBe(lastTokenSent(podio));
  });

  it('by default reports a failure in one line on stderr, without secrets', async () => {
    const { sandbox } = await startSandbox();
    const script = [
      "import { podioJsSessionStore } from 'podio-auth';",
      "podioJsSessionStore().get('server', (oauth) => process.stdout.write(String(oauth)));",
    ].join('\n');
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: sandbox.env(),
      encoding: 'utf8',
    });
    expect(result.stdout).toBe('undefined');
    expect(result.stderr).toMatch(/^podio-auth: Not logged in: no profile is stored yet \(looked in .*\)\..*\n$/);
    expect(result.stderr).not.toContain(sandbox.podio.options.clientSecret);
  });

  it('a chosen profile; and env-only mode, where the tokens live in memory and no file is written', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(inEightHours(), 'work');
    const work = stored(sandbox, 'work');
    const named = sessionStore(sandbox.env(), 'work');
    const client = podioJs(podio, named.store);
    await client.isAuthenticated();
    expect(client.authObject?.accessToken).toBe(work['access_token']);

    const bare = await startSandbox();
    const issued = bare.podio.issueTokens();
    const env = bare.sandbox.env({ PODIO_REFRESH_TOKEN: issued.refresh_token });
    const { store, errors } = sessionStore(env);
    const ci = podioJs(bare.podio, store);
    await ci.isAuthenticated();
    await ci.isAuthenticated();
    expect(bare.podio.grants('refresh_token')).toHaveLength(1);
    expect(await ci.request('GET', '/user/status')).toEqual(UserStatus);
    // Podio ends the token: podio-js refreshes from the refresh token in memory (the one in the environment was
    // rotated away by the first use).
    bare.podio.advanceClock(EIGHT_HOURS + 60);
    expect(await ci.request('GET', '/user/status')).toEqual(UserStatus);
    await store.settled();
    expect(bare.podio.grants('refresh_token')).toHaveLength(2);
    await ci.isAuthenticated();
    expect(ci.authObject?.accessToken).toBe(lastTokenSent(bare.podio));
    expect(existsSync(bare.sandbox.configFile)).toBe(false);
    expect(errors).toEqual([]);
  });
});

describe('podioJsSessionStore: idle longer than a token lives, then busy', () => {
  it('refreshes ahead of expiry, so the first calls after work, several at once, and podio-js never refreshes', async () => {
    // Two-second tokens: refreshed with a second left (half their life, as `token` does), rotated each time.
    const { podio, sandbox } = await startSandbox({ expiresIn: 2 });
    const env = sandbox.env();
    expect((await runMain(['login'], env)).code).toBe(0);
    const { store, errors } = sessionStore(env);
    const client = podioJs(podio, store);
    await client.isAuthenticated();
    expect(await client.request('GET', '/user/status')).toEqual(UserStatus);

    await idleFor(2_600);
    const calls = Array.from({ length: 5 }, () => client.request('GET', '/user/status'));
    const results = await settledWithin(5_000, calls);
    expect(results).toEqual(Array(5).fill({ status: 'fulfilled', value: UserStatus }));
    await store.settled();

    // Every refresh was the store's, under the lock (JSON to /oauth/token/v2); none was podio-js's (form).
    const refreshes = podio.grants('refresh_token');
    expect(refreshes.length).toBeGreaterThanOrEqual(2);
    expect(refreshes.map((grant) => grant.endpoint)).toEqual(refreshes.map(() => 'json'));
    const login = stored(sandbox);
    expect(lastTokenSent(podio)).toBe(login['access_token']);
    expect(podio.isLiveRefreshToken(login['refresh_token'] as string)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('env-only mode: the tokens in memory are refreshed ahead too, from the refresh token in memory', async () => {
    const { podio, sandbox } = await startSandbox({ expiresIn: 2 });
    const env = sandbox.env({ PODIO_REFRESH_TOKEN: podio.issueTokens().refresh_token });
    const { store, errors } = sessionStore(env);
    const client = podioJs(podio, store);
    await client.isAuthenticated();
    await idleFor(2_600);
    const calls = Array.from({ length: 5 }, () => client.request('GET', '/user/status'));
    const results = await settledWithin(5_000, calls);
    expect(results).toEqual(Array(5).fill({ status: 'fulfilled', value: UserStatus }));
    await store.settled();
    // The first exchange used the environment's refresh token; each refresh after it, the one before's answer.
    const refreshes = podio.grants('refresh_token');
    expect(refreshes.length).toBeGreaterThanOrEqual(3);
    expect(refreshes.map((grant) => grant.endpoint)).toEqual(refreshes.map(() => 'json'));
    expect(client.authObject?.accessToken).toBe(lastTokenSent(podio));
    expect(podio.isLiveRefreshToken(client.authObject?.refreshToken ?? '')).toBe(true);
    expect(existsSync(sandbox.configFile)).toBe(false);
    expect(errors).toEqual([]);
  });

  it('given an expired token all the same, podio-js refreshes by itself and the library stands back', async () => {
    const { podio, sandbox } = await startSandbox({ expiresIn: 2 });
    const env = sandbox.env();
    expect((await runMain(['login'], env)).code).toBe(0);
    const { store, errors } = sessionStore(env);
    const client = podioJs(podio, store);
    await client.isAuthenticated();
    const first = stored(sandbox);
    // As if the machine had slept through the moment to refresh: nothing refreshes while it is closed.
    store.close();
    await idleFor(2_300);
    expect(podio.grants('refresh_token')).toHaveLength(0);

    // podio-js sends the expired token (a request takes it synchronously) and refreshes on the 401; the library,
    // asked for a token at that very moment, does not rotate the refresh token podio-js is refreshing from.
    const call = client.request('GET', '/user/status');
    const library = getToken({ env });
    const [result] = await settledWithin(5_000, [call]);
    expect(result).toEqual({ status: 'fulfilled', value: UserStatus });
    const token = await library;
    await store.settled();

    expect(podio.grants('refresh_token')).toEqual([
      expect.objectContaining({
        endpoint: 'form',
        fields: expect.objectContaining({ refresh_token: first['refresh_token'] }),
      }),
    ]);
    const login = stored(sandbox);
    expect(token.accessToken).toBe(login['access_token']);
    expect(lastTokenSent(podio)).toBe(login['access_token']);
    expect(podio.isLiveRefreshToken(login['refresh_token'] as string)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('while a refresh of the library is on its way, podio-js is shown no refresh token to refresh from', async () => {
    const { podio, sandbox } = await startSandbox({ tokenDelayMs: 600 });
    const env = sandbox.env();
    const first = sandbox.storeLogin(inEightHours());
    const { store, errors } = sessionStore(env);
    const client = podioJs(podio, store);
    await client.isAuthenticated();

    // The library refreshes (the stored token looks expired to it)…
    sandbox.editProfile('default', { expires_at: aMinuteAgo().toISOString() });
    const library = getToken({ env });
    await podio.nextTokenRequestArrives();
    // …and while Podio works on it, Podio ends podio-js's token early: its 401 comes with no refresh token to use
    // (one it used would be the token being rotated, and its refresh would fail and throw).
    podio.advanceClock(EIGHT_HOURS + 60);
    const [result] = await settledWithin(5_000, [client.request('GET', '/user/status')]);
    expect(result).toMatchObject({ status: 'rejected', reason: { name: 'PodioAuthorizationError', status: 401 } });
    const token = await library;
    await store.settled();
    expect(podio.grants('refresh_token').map((grant) => [grant.endpoint, grant.fields['refresh_token']])).toEqual([
      ['json', first.refresh_token],
    ]);
    // The login is kept, and podio-js picks it up at its next isAuthenticated().
    await client.isAuthenticated();
    expect(await client.request('GET', '/user/status')).toEqual(UserStatus);
    expect(lastTokenSent(podio)).toBe(token.accessToken);
    expect(podio.isLiveRefreshToken(stored(sandbox)['refresh_token'] as string)).toBe(true);
    expect(errors).toEqual([]);
  });

  it("once podio-js starts a refresh of its own, the library's refresh waits for it and takes its tokens", async () => {
    const { podio, sandbox } = await startSandbox({ tokenDelayMs: 500 });
    const env = sandbox.env();
    const first = sandbox.storeLogin(inEightHours());
    const { store, errors } = sessionStore(env);
    const client = podioJs(podio, store);
    await client.isAuthenticated();
    await store.settled();

    // Podio ends podio-js's token early: podio-js refreshes by itself, from the stored refresh token.
    podio.advanceClock(EIGHT_HOURS + 60);
    const call = client.request('GET', '/user/status');
    await podio.nextTokenRequestArrives();
    // While Podio works on it, the library finds the stored token expired: it must not send that refresh token too.
    sandbox.editProfile('default', { expires_at: aMinuteAgo().toISOString() });
    const library = getToken({ env, minTtlSeconds: 60 });
    const [result] = await settledWithin(5_000, [call]);
    expect(result).toEqual({ status: 'fulfilled', value: UserStatus });
    const token = await library;
    await store.settled();

    expect(podio.grants('refresh_token').map((grant) => [grant.endpoint, grant.fields['refresh_token']])).toEqual([
      ['form', first.refresh_token],
    ]);
    expect(token.accessToken).toBe(stored(sandbox)['access_token']);
    expect(lastTokenSent(podio)).toBe(token.accessToken);
    expect(podio.isLiveRefreshToken(stored(sandbox)['refresh_token'] as string)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('shows podio-js a refresh the library made elsewhere in the process in the same turn', async () => {
    const { podio, sandbox } = await startSandbox();
    const env = sandbox.env();
    sandbox.storeLogin(inEightHours());
    const { store } = sessionStore(env);
    const client = podioJs(podio, store);
    await client.isAuthenticated();
    // Nothing of the store's own is under way: the refresh below is the library's alone.
    await store.settled();
    sandbox.editProfile('default', { expires_at: aMinuteAgo().toISOString() });
    const token = await getToken({ env });
    expect(client.authObject?.accessToken).toBe(token.accessToken);
    expect(client.authObject?.refreshToken).toBe(stored(sandbox)['refresh_token']);
  });
});

describe('writeBackOf: what becomes of a refresh podio-js made', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const later = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
  const current: ProfileRecord = {
    client_id: 'id',
    access_token: 'stored-access',
    expires_at: later(3600),
    refresh_token: 'stored-refresh',
    ref: { type: 'user', id: 4242 },
  };
  const theirs = (fields: Partial<TokenSet>): TokenSet => ({
    accessToken: 'their-access',
    tokenType: 'bearer',
    expiresAt: later(EIGHT_HOURS),
    refreshToken: 'their-refresh',
    ref: { type: 'user', id: 4242 },
    ...fields,
  });

  it('stores a refresh from the stored refresh token (podio-js held it), rotation included', () => {
    const decision = writeBackOf('default', current, theirs({}), new Set(['stored-refresh']), now);
    expect(decision.use).toBe('theirs');
    expect(decision.write).toMatchObject({
      access_token: 'their-access',
      refresh_token: 'their-refresh',
      expires_at: later(EIGHT_HOURS),
      refresh_obtained_at: now.toISOString(),
      client_id: 'id',
    });
  });

  it('keeps a stored refresh token podio-js never held: the store moved on', () => {
    expect(writeBackOf('default', current, theirs({}), new Set(['older']), now)).toEqual({
      write: undefined,
      use: 'stored',
    });
  });

  it('without rotation, keeps whichever access token lives longer', () => {
    const same = { refreshToken: 'stored-refresh' };
    expect(writeBackOf('default', current, theirs(same), new Set(), now).write).toMatchObject({
      access_token: 'their-access',
      refresh_token: 'stored-refresh',
    });
    expect(writeBackOf('default', current, theirs({ ...same, expiresAt: later(60) }), new Set(), now)).toEqual({
      write: undefined,
      use: 'stored',
    });
  });

  it('of an answer without a usable lifetime, keeps only a new refresh token', () => {
    const decision = writeBackOf('default', current, theirs({ expiresAt: '' }), new Set(['stored-refresh']), now);
    expect(decision.write).toMatchObject({ access_token: 'stored-access', refresh_token: 'their-refresh' });
  });

  it('refuses tokens of someone else', () => {
    expect(() =>
      writeBackOf('default', current, theirs({ ref: { type: 'app', id: 777 } }), new Set(['stored-refresh']), now),
    ).toThrow(expect.objectContaining({ code: 'session_mismatch' }));
  });
});

describe('`token --json` handed to podio-js', () => {
  it('maps onto setAccessToken as it is; podio-js uses the token and leaves refreshing to podio-auth', async () => {
    const { podio, sandbox } = await startSandbox();
    const env = sandbox.env();
    const first = sandbox.storeLogin(inEightHours());
    const tokenJson = async () => {
      const result = await runMain(['token', '--json'], env);
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout) as Record<string, unknown>;
    };
    const client = podioJs(podio);
    const json = await tokenJson();
    client.setAccessToken(json);
    expect(client.authObject).toMatchObject({
      accessToken: first.access_token,
      expiresIn: json['expires_in'],
      ref: { type: 'user', id: USER.user_id },
    });
    expect(client.authObject?.expiresIn).toBeGreaterThan(EIGHT_HOURS - 60);
    expect(await client.request('GET', '/user/status')).toEqual(UserStatus);
    expect(lastTokenSent(podio)).toBe(first.access_token);

    // Eight hours later: Podio refuses the token, and podio-js does not refresh the CLI's login behind its back
    // (it has no refresh token to rotate away); podio-auth refreshes it, and podio-js goes on with the new token.
    podio.advanceClock(EIGHT_HOURS + 60);
    sandbox.editProfile('default', { expires_at: aMinuteAgo().toISOString() });
    await expect(client.request('GET', '/user/status')).rejects.toMatchObject({
      name: 'PodioAuthorizationError',
      status: 401,
    });
    expect(podio.grants('refresh_token')).toHaveLength(0);
    client.setAccessToken(await tokenJson());
    expect(podio.grants('refresh_token')).toHaveLength(1);
    expect(await client.request('GET', '/user/status')).toEqual(UserStatus);
    expect(lastTokenSent(podio)).toBe(stored(sandbox)['access_token']);
    expect(podio.isLiveRefreshToken(stored(sandbox)['refresh_token'] as string)).toBe(true);
  });
});
