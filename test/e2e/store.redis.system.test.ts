import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ProfileRecord } from '../../src/domain/profile.js';
import { configKey, KEYRING_SERVICE, keyringAccount } from '../../src/store/keyring/entries.js';
import { openRedisStore } from '../../src/store/redis/store.js';
import {
  aMinuteAgo,
  BIN,
  type CliResult,
  errorLines,
  inAnHour,
  loginRecord,
  ROOT,
  runCli,
  runMain,
  Sandbox,
  startCli,
} from '../support/cli.js';
import { expectNoSecretOnDisk } from '../support/disk-secrets.js';
import { APP, type FakePodio, type FakePodioOptions, startFakePodio } from '../support/fake-podio.js';
import { findRedisServer, type RedisServer, startRedisServer } from '../support/redis-server.js';
import { missingSecretServicePrograms, startSessionBus } from '../support/secret-service.js';

/**
 * The Redis store end to end, as a fleet uses it: the built CLI in separate processes and separate config
 * directories (standing in for machines) sharing one real redis-server, against the emulator.
 */

const available = findRedisServer() !== undefined;
// CI installs redis-server (.ci/run): there a missing one fails the run instead of skipping.
const required = process.env['CI'] === 'true';
if (!available) {
  const outcome = required ? ' (and fail: CI=true)' : '';
  console.warn(`\n*** redis-server is not installed: the Redis CLI tests are SKIPPED${outcome}. ***\n`);
}
it.runIf(!available && required)('redis-server is installed where CI requires it', () => {
  expect(findRedisServer(), 'redis-server (Debian: apt-get install redis-server)').toBeDefined();
});

/** The default user's password: this test's own view of the data, never given to the CLI except where said. */
const ADMIN_PASSWORD = 'admin-pass-7c1e94';
/** The user a fleet runs as, with exactly the rules docs-draft/redis.md gives. */
const FLEET = { name: 'fleet', password: 'fleet-pass-5d20b8' };
const FLEET_RULES =
  'resetkeys ~podio-auth:* resetchannels -@all +ping +select +get +set +del +sadd +srem +smembers +pexpire +pttl +eval';
const OUTSIDER = { name: 'outsider', password: 'outsider-pass-93ab', rules: '~elsewhere:* +@all' };

const never = () => new AbortController().signal;

let prefixes = 0;
/** Each test under its own prefix (inside the fleet user's `podio-auth:*`), so tests sharing a server never meet. */
const freshPrefix = (): string => `podio-auth:t${++prefixes}-${process.pid}:`;

/** The lines of a failure, and none of a secret, a stack trace or colour. */
function expectOneCleanError(result: CliResult, secrets: string[]): void {
  expect(errorLines(result), result.stderr).toHaveLength(1);
  expectNoSecrets(result, secrets);
}

function expectNoSecrets(result: CliResult, secrets: string[]): void {
  const all = result.stdout + result.stderr;
  for (const secret of secrets) expect(all).not.toContain(secret);
  expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(all).not.toContain('\u001b[');
}

function secretsOf(record: ProfileRecord | undefined): string[] {
  if (!record) return [];
  return [record.client_secret, record.refresh_token, record.app_token].filter((value): value is string =>
    Boolean(value),
  );
}

async function fakePodio(options: FakePodioOptions = {}): Promise<FakePodio> {
  const podio = await startFakePodio(options);
  onTestFinished(() => podio.stop());
  return podio;
}

/** A TCP server that keeps whatever reaches it, and answers nothing. */
async function recordingServer(): Promise<{ port: number; received: () => string }> {
  const chunks: Buffer[] = [];
  const server: Server = createServer((socket) => {
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    onTestFinished(() => void socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as { port: number }).port, received: () => Buffer.concat(chunks).toString() };
}

/** A silent TCP server: accepts connections and never answers, as a hung Redis would. */
async function silentServer(): Promise<{ port: number }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as { port: number }).port };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe.skipIf(!available)('a Redis store from the command line', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedisServer({
      password: ADMIN_PASSWORD,
      appendOnly: true,
      users: [{ name: FLEET.name, password: FLEET.password, rules: FLEET_RULES }, OUTSIDER],
    });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  /** What the fleet's machines are given: the server as a URL without its password. */
  const fleetUrl = (): string => `redis://${FLEET.name}@127.0.0.1:${server.port}/0`;
  const adminUrl = (): string => server.urlFor('default', ADMIN_PASSWORD);
  const admin = (args: string[]): Promise<unknown> =>
    server.command(args, { user: 'default', password: ADMIN_PASSWORD });

  /** The profile as Redis holds it. */
  async function stored(prefix: string, name = 'default'): Promise<ProfileRecord | undefined> {
    const json = await admin(['GET', `${prefix}profile:${name}`]);
    return typeof json === 'string' ? (JSON.parse(json) as ProfileRecord) : undefined;
  }

  /** Writes a profile into Redis through the store itself (lock, set of names), as a login would. */
  async function seed(prefix: string, record: ProfileRecord, name = 'default', url = adminUrl()): Promise<void> {
    const store = await openRedisStore({ url, prefix, timeoutMs: 5_000 });
    try {
      await store.transact(never(), (tx) => tx.writeProfile(name, record));
    } finally {
      await store.close();
    }
  }

  /** A user login the emulator knows, with `expiresAt` as its access token's expiry. */
  function userLogin(podio: FakePodio, expiresAt: Date): ProfileRecord {
    return { grant: 'authorization_code', ...loginRecord(podio, expiresAt).record } as ProfileRecord;
  }

  /** An app login: when its refresh token is refused, the app grant is redone without a person. */
  function appLogin(podio: FakePodio, expiresAt: Date): ProfileRecord {
    const tokens = podio.issueTokens({ type: 'app', id: Number(APP.app_id) }, `app:${APP.app_id}:all`);
    return {
      ...userLogin(podio, expiresAt),
      grant: 'app',
      app_id: APP.app_id,
      app_token: APP.app_token,
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      ref: { type: 'app', id: Number(APP.app_id) },
    };
  }

  /**
   * A machine: its own config directory and home, the fleet user's password in PODIO_AUTH_REDIS_PASSWORD, and the
   * store named by PODIO_AUTH_STORE (`store`), by a pointer in its config.json (`pointer`), or not at all (`none`).
   */
  function machine(
    podio: FakePodio,
    prefix: string,
    how: 'store' | 'pointer' | 'none',
    extra: Record<string, string | undefined> = {},
  ): { sandbox: Sandbox; env: Record<string, string | undefined> } {
    const sandbox = new Sandbox(podio);
    onTestFinished(() => sandbox.cleanup());
    if (how === 'pointer') sandbox.writeConfig({ profiles: { default: { store: 'redis', redis_url: fleetUrl() } } });
    const env = sandbox.env({
      PODIO_AUTH_REDIS_PREFIX: prefix,
      PODIO_AUTH_REDIS_PASSWORD: FLEET.password,
      ...(how === 'store' ? { PODIO_AUTH_STORE: fleetUrl() } : {}),
      ...extra,
    });
    return { sandbox, env };
  }

  it('login into Redis with PODIO_AUTH_STORE: nothing on local disk; token, status, profiles, export, exec, api and logout work', async () => {
    const podio = await fakePodio();
    const prefix = freshPrefix();
    const { sandbox, env } = machine(podio, prefix, 'store');

    const login = await runMain(['login'], env);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain(`stored in ${fleetUrl()}`);
    const record = await stored(prefix);
    expect(record).toMatchObject({ grant: 'authorization_code', client_secret: podio.options.clientSecret });
    const accessToken = String(record?.access_token);
    const secrets = [...secretsOf(record), FLEET.password, ADMIN_PASSWORD];

    const token = await runCli(['token'], env);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout).toBe(`${accessToken}\n`);
    const status = await runMain(['status'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`Stored in: +${fleetUrl()}`));
    const profiles = JSON.parse((await runMain(['profiles', '--json'], env)).stdout);
    expect(profiles).toMatchObject({
      location: fleetUrl(),
      profiles: [{ name: 'default', store: 'redis', logged_in: true, who: 'Ada Lovelace <ada@example.com>' }],
    });
    const exported = await runMain(['export', '--format', 'json'], env);
    expect(JSON.parse(exported.stdout)).toMatchObject({ PODIO_REFRESH_TOKEN: record?.refresh_token });
    const script = `process.stdout.write([process.env.PODIO_ACCESS_TOKEN, process.env.PODIO_AUTH_REDIS_PASSWORD ?? 'none'].join(' '))`;
    const exec = await runCli(['exec', '--', process.execPath, '-e', script], env);
    expect(exec.code, exec.stderr).toBe(0);
    expect(exec.stdout).toBe(`${accessToken} none`);
    // A password given in the URL instead: the command gets the URL without it.
    const inUrl = `redis://${FLEET.name}:${FLEET.password}@127.0.0.1:${server.port}/0`;
    const execUrl = await runCli(
      ['exec', '--', process.execPath, '-e', 'process.stdout.write(process.env.PODIO_AUTH_STORE)'],
      {
        ...env,
        PODIO_AUTH_STORE: inUrl,
        PODIO_AUTH_REDIS_PASSWORD: undefined,
      },
    );
    expect(execUrl.code, execUrl.stderr).toBe(0);
    expect(execUrl.stdout).toBe(fleetUrl());
    const api = await runMain(['api', '/user/status'], env);
    expect(api.code, api.stderr).toBe(0);
    expect(JSON.parse(api.stdout)).toMatchObject({ user: { user_id: 4242 } });
    for (const result of [token, status, api]) expectNoSecrets(result, secrets);

    // Nothing of the login on this machine: not even a config directory.
    expect(existsSync(sandbox.configDir)).toBe(false);
    expectNoSecretOnDisk(sandbox.root, [...secrets, accessToken]);

    const logout = await runMain(['logout'], env);
    expect(logout.code, logout.stderr).toBe(0);
    const after = await stored(prefix);
    expect(after).toMatchObject({ grant: 'authorization_code', client_id: podio.options.clientId });
    for (const field of ['client_secret', 'access_token', 'refresh_token', 'expires_at']) {
      expect(after).not.toHaveProperty(field);
    }
    expect((await runMain(['token'], env)).code).toBe(4);
  });

  it('login --store redis://… leaves a pointer without the password; every command and the library follow it', async () => {
    const podio = await fakePodio();
    const prefix = freshPrefix();
    const { sandbox, env } = machine(podio, prefix, 'none', { PODIO_APP_TOKEN: APP.app_token });

    // The password from PODIO_AUTH_REDIS_PASSWORD; then given in the URL itself, which is never written down.
    const first = await runCli(['login', '--app', APP.app_id, '--store', fleetUrl()], env);
    expect(first.code, first.stderr).toBe(0);
    const inUrl = `redis://${FLEET.name}:${FLEET.password}@127.0.0.1:${server.port}/0`;
    const second = await runMain(['login', '--app', APP.app_id, '--profile', 'ci', '--store', inUrl], {
      ...env,
      PODIO_AUTH_REDIS_PASSWORD: undefined,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(sandbox.readConfig()).toEqual({
      profiles: {
        default: { store: 'redis', redis_url: fleetUrl(), redis_prefix: prefix },
        ci: { store: 'redis', redis_url: fleetUrl(), redis_prefix: prefix },
      },
    });
    const record = await stored(prefix);
    expect(record).toMatchObject({ grant: 'app', app_id: APP.app_id, app_token: APP.app_token });
    const secrets = [...secretsOf(record), ...secretsOf(await stored(prefix, 'ci')), FLEET.password];

    const token = await runCli(['token'], env);
    expect(token.stdout).toBe(`${record?.access_token}\n`);
    const status = await runMain(['status', '--profile', 'ci'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`Stored in: +${fleetUrl()}`));
    const profiles = await runMain(['profiles'], env);
    expect(profiles.stdout).toMatch(/^ {2}ci\s+app 777\s+token expires in 7 h \d+ min \(redis\)$/m);
    expect(profiles.stdout).toMatch(/^\* default\s+app 777\s+token expires in 7 h \d+ min \(redis\)$/m);

    // The library, in a script of its own that must end by itself (an idle Redis connection holds nothing open).
    const library = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { getAccessToken } from 'podio-auth'; process.stdout.write(await getAccessToken());",
      ],
      { cwd: ROOT, env: env as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 20_000 },
    );
    expect(library.status, library.stderr).toBe(0);
    expect(library.stdout).toBe(record?.access_token);

    for (const result of [first, second, token, status, profiles]) expectNoSecrets(result, secrets);
    expectNoSecretOnDisk(sandbox.root, [...secrets, String(record?.access_token)]);

    expect((await runMain(['logout', '--profile', 'ci'], env)).code).toBe(0);
    expect(await stored(prefix, 'ci')).not.toHaveProperty('app_token');
    expect(sandbox.readConfig().profiles['ci']).toEqual({
      store: 'redis',
      redis_url: fleetUrl(),
      redis_prefix: prefix,
    });
    expect((await runMain(['token', '--profile', 'ci'], env)).code).toBe(4);
  });

  it('a pointer keeps the key prefix it was made under: another (or none) later leads it to no other login', async () => {
    const podio = await fakePodio();
    const ours = freshPrefix();
    const theirs = freshPrefix();
    // Another team's login on the same server, under their prefix.
    const other = appLogin(podio, inAnHour());
    await seed(theirs, { ...other, access_token: 'theirs-access-token-0001' });
    const { sandbox, env } = machine(podio, ours, 'none', { PODIO_APP_TOKEN: APP.app_token });
    const login = await runCli(['login', '--app', APP.app_id, '--store', fleetUrl()], env);
    expect(login.code, login.stderr).toBe(0);
    expect(sandbox.readConfig().profiles['default']).toEqual({
      store: 'redis',
      redis_url: fleetUrl(),
      redis_prefix: ours,
    });
    const ourToken = (await stored(ours))?.access_token;

    for (const prefix of [theirs, undefined]) {
      const later = { ...env, PODIO_AUTH_REDIS_PREFIX: prefix };
      const token = await runCli(['token'], later);
      expect(token.stdout, token.stderr).toBe(`${ourToken}\n`);
      const status = await runMain(['status'], later);
      expect(status.stdout).toContain('app 777');
    }
    expect((await runMain(['logout'], { ...env, PODIO_AUTH_REDIS_PREFIX: theirs })).code).toBe(0);
    expect(await stored(ours)).not.toHaveProperty('access_token');
    expect((await stored(theirs))?.access_token).toBe('theirs-access-token-0001');
  });

  it("PODIO_AUTH_REDIS_PASSWORD goes to no server when the pointers name more than one: it is one server's", async () => {
    const podio = await fakePodio();
    const prefix = freshPrefix();
    await seed(prefix, appLogin(podio, inAnHour()));
    const other = await recordingServer();
    const { sandbox, env } = machine(podio, prefix, 'none');
    sandbox.writeConfig({
      profiles: {
        default: { store: 'redis', redis_url: fleetUrl(), redis_prefix: prefix },
        scratch: { store: 'redis', redis_url: `redis://127.0.0.1:${other.port}/0`, redis_prefix: prefix },
      },
    });
    const refused =
      /points to 2 Redis servers or users .*: PODIO_AUTH_REDIS_PASSWORD is one's password, so it is sent to none of them/;
    for (const args of [['token'], ['token', '--profile', 'scratch'], ['status', '--profile', 'scratch']]) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(errorLines(result)).toEqual([expect.stringMatching(refused)]);
      expectNoSecrets(result, [FLEET.password]);
    }
    for (const args of [['profiles'], ['doctor']]) expectNoSecrets(await runMain(args, env), [FLEET.password]);
    // Not "logged out": the logins may well be there, and the list says why it could not tell.
    const listed = await runMain(['profiles'], env);
    expect(listed.stdout).toMatch(/^\* default\s+\(unknown user\)\s+not read \(redis\)$/m);
    expect(listed.stderr).toMatch(/^! Profile "default" could not be read: config\.json points to 2 Redis servers/m);
    const json = JSON.parse((await runMain(['profiles', '--json'], env)).stdout) as {
      profiles: { name: string; logged_in: boolean | null; unread?: string }[];
    };
    expect(json.profiles.map(({ name, logged_in }) => [name, logged_in])).toEqual([
      ['default', null],
      ['scratch', null],
    ]);
    expect(other.received()).not.toContain(FLEET.password);
    // One server again: the password goes to it.
    sandbox.writeConfig({ profiles: { default: { store: 'redis', redis_url: fleetUrl(), redis_prefix: prefix } } });
    expect((await runCli(['token'], env)).code).toBe(0);
  });

  it('a pointer made before pointers kept their prefix follows the environment, and a new login there records it', async () => {
    const podio = await fakePodio();
    const prefix = freshPrefix();
    await seed(prefix, appLogin(podio, inAnHour()));
    const { sandbox, env } = machine(podio, prefix, 'pointer', { PODIO_APP_TOKEN: APP.app_token });
    expect((await runCli(['token'], env)).stdout).toBe(`${(await stored(prefix))?.access_token}\n`);
    expect((await runCli(['login', '--app', APP.app_id], env)).code).toBe(0);
    expect(sandbox.readConfig().profiles['default']).toEqual({
      store: 'redis',
      redis_url: fleetUrl(),
      redis_prefix: prefix,
    });
  });

  it('three machines × 8 concurrent token on an expired, rotating token: one refresh, 24 print the new token', {
    timeout: 90_000,
  }, async () => {
    const podio = await fakePodio({ tokenDelayMs: 200, rotateRefreshTokens: true });
    const prefix = freshPrefix();
    const old = userLogin(podio, aMinuteAgo());
    await seed(prefix, old);
    // Two machines follow a pointer in their config.json, one is told by PODIO_AUTH_STORE.
    const machines = [
      machine(podio, prefix, 'pointer'),
      machine(podio, prefix, 'pointer'),
      machine(podio, prefix, 'store'),
    ];

    // A holder elsewhere keeps the lock until every process has found the token expired and queued for it, so
    // that all 24 overlap whatever the machine's load; then it lets go and they race.
    await admin(['SET', `${prefix}lock`, 'a-holder-elsewhere', 'PX', '60000']);
    const runs = machines.flatMap(({ env }) => Array.from({ length: 8 }, () => startCli(['--debug', 'token'], env)));
    onTestFinished(() => {
      for (const run of runs) run.child.kill('SIGKILL');
    });
    await Promise.all(runs.map((run) => run.waitForStderr(/needs a refresh: waiting for the lock/)));
    expect(podio.tokenRequests).toHaveLength(0);
    await admin(['DEL', `${prefix}lock`]);
    const results = await Promise.all(runs.map((run) => run.done));

    expect(podio.grants('refresh_token')).toHaveLength(1);
    expect(podio.tokenRequests).toHaveLength(1);
    const fresh = await stored(prefix);
    expect(fresh?.access_token).not.toBe(old.access_token);
    expect(fresh?.refresh_token).not.toBe(old.refresh_token);
    expect(podio.isLiveRefreshToken(String(fresh?.refresh_token))).toBe(true);
    for (const result of results) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(`${fresh?.access_token}\n`);
      expectNoSecrets(result, [...secretsOf(old), ...secretsOf(fresh), FLEET.password]);
    }
    expect(await admin(['EXISTS', `${prefix}lock`])).toBe(0);

    // The next token on any machine: the same token, no new request.
    for (const { env } of machines) {
      const next = await runCli(['token'], env);
      expect(next.stdout).toBe(`${fresh?.access_token}\n`);
    }
    expect(podio.tokenRequests).toHaveLength(1);
    // And once it expires, the rotated refresh token the one refresh stored works from another machine.
    await seed(prefix, { ...fresh, expires_at: aMinuteAgo().toISOString() });
    const later = await runCli(['token'], machines[1]!.env);
    expect(later.code, later.stderr).toBe(0);
    expect(podio.grants('refresh_token')).toHaveLength(2);
    expect(later.stdout).toBe(`${(await stored(prefix))?.access_token}\n`);
    expect(later.stdout).not.toBe(`${fresh?.access_token}\n`);
  });

  it('a holder SIGKILLed mid-refresh: another worker takes over once its lease expires', async () => {
    const podio = await fakePodio({ tokenDelayMs: 30_000 });
    const prefix = freshPrefix();
    const old = userLogin(podio, aMinuteAgo());
    await seed(prefix, old);
    const leased = { PODIO_AUTH_REDIS_LEASE_SECONDS: '2' };
    const holderMachine = machine(podio, prefix, 'pointer', leased);
    const takerMachine = machine(podio, prefix, 'store', leased);

    const holder = startCli(['token'], holderMachine.env);
    await podio.nextTokenRequestArrives();
    // Podio answers the next request at once; the holder's stays unanswered.
    podio.options.tokenDelayMs = 0;
    holder.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await holder.done).signal).toBe('SIGKILL');
    // The dead holder's lease is still there: nobody deleted it.
    expect(Number(await admin(['PTTL', `${prefix}lock`]))).toBeGreaterThan(0);

    const taker = await runCli(['token'], takerMachine.env);
    const tookMs = Date.now() - killedAt;
    expect(taker.code, taker.stderr).toBe(0);
    expect(tookMs).toBeLessThan(30_000);
    const fresh = await stored(prefix);
    expect(fresh?.access_token).not.toBe(old.access_token);
    expect(taker.stdout).toBe(`${fresh?.access_token}\n`);
    expect(podio.grants('refresh_token')).toHaveLength(2);
    // The next token on the dead holder's machine works.
    expect((await runCli(['token'], holderMachine.env)).stdout).toBe(`${fresh?.access_token}\n`);
  });

  /**
   * A login seeded in Redis with an expired token; a `token` on one machine sends its refresh and is SIGSTOPped
   * while Podio (rotating refresh tokens) takes 1.2 s to answer; then Podio answers at once. Leases last
   * `leaseSeconds`. The taker is another machine on the same store.
   */
  async function stoppedHolder(login: typeof userLogin, leaseSeconds: number) {
    const podio = await fakePodio({ tokenDelayMs: 1_200, rotateRefreshTokens: true });
    const prefix = freshPrefix();
    await seed(prefix, login(podio, aMinuteAgo()));
    const leased = { PODIO_AUTH_REDIS_LEASE_SECONDS: String(leaseSeconds) };
    const holderMachine = machine(podio, prefix, 'pointer', leased);
    const takerMachine = machine(podio, prefix, 'pointer', leased);
    const holder = startCli(['token'], holderMachine.env);
    onTestFinished(() => {
      holder.child.kill('SIGCONT');
      holder.child.kill('SIGKILL');
    });
    await podio.nextTokenRequestArrives();
    holder.child.kill('SIGSTOP');
    podio.options.tokenDelayMs = 0;
    return { podio, prefix, holder, takerMachine };
  }

  it('a holder SIGSTOPped past its lease, then resumed, writes nothing over the newer token', async () => {
    // An app login with rotating refresh tokens: the stopped holder's request rotates the refresh token, so the
    // worker that takes over has it refused and redoes the app grant: a newer login that must stand.
    // Podio answers the holder's request (while it is stopped) well before its lease of 3 s runs out, so the
    // rotation always comes first, and the SIGSTOP has 1.2 s to land before that answer.
    const { podio, prefix, holder, takerMachine } = await stoppedHolder(appLogin, 3);

    // Waits out the stopped holder's lease, then refreshes (refused: rotated) and redoes the app grant.
    const taker = await runCli(['token'], takerMachine.env);
    expect(taker.code, taker.stderr).toBe(0);
    const newer = await stored(prefix);
    expect(taker.stdout).toBe(`${newer?.access_token}\n`);
    expect(podio.tokenRequests.map((request) => request.grantType)).toEqual(['refresh_token', 'refresh_token', 'app']);

    holder.child.kill('SIGCONT');
    const resumed = await holder.done;
    // Its write was fenced; it found the profile changed since it read it, and hands out the newer token instead.
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toBe(`${newer?.access_token}\n`);
    expect(await stored(prefix)).toEqual(newer);
    expect(podio.tokenRequests).toHaveLength(3);
  });

  it('a refresh token rejected after taking over from a holder SIGSTOPped past its lease is not "log in"', async () => {
    // A user login: the stopped holder's request rotates the refresh token, so the worker that takes over has it
    // refused, and nothing else to fall back on. The holder may still store the new one: it must say so, not
    // "log in again". The SIGSTOP has 1.2 s to land before Podio answers.
    const { podio, prefix, holder, takerMachine } = await stoppedHolder(userLogin, 2);

    const taker = await runCli(['token'], takerMachine.env);
    expect(taker.code, taker.stderr).toBe(1);
    expect(errorLines(taker)).toEqual([
      expect.stringMatching(/may have replaced it, and may yet store the new one\.$/),
    ]);

    holder.child.kill('SIGCONT');
    const resumed = await holder.done;
    // Its write was fenced; nobody changed the profile meanwhile, so it stored what Podio had sent it.
    expect(resumed.code, resumed.stderr).toBe(0);
    const newer = await stored(prefix);
    expect(resumed.stdout).toBe(`${newer?.access_token}\n`);
    expect(podio.isValidAccessToken(String(newer?.access_token))).toBe(true);
    expect((await runCli(['token'], takerMachine.env)).stdout).toBe(`${newer?.access_token}\n`);
  });

  it('Redis down: one line, exit 1, within the timeout, nothing lost; restarted: works again', async () => {
    const podio = await fakePodio();
    const own = await startRedisServer({
      appendOnly: true,
      users: [{ name: FLEET.name, password: FLEET.password, rules: FLEET_RULES }],
    });
    onTestFinished(() => own.dispose());
    const prefix = freshPrefix();
    const login = userLogin(podio, inAnHour());
    await seed(prefix, login, 'default', own.url);
    const url = `redis://${FLEET.name}@127.0.0.1:${own.port}/0`;
    const { env } = machine(podio, prefix, 'store', { PODIO_AUTH_STORE: url, PODIO_AUTH_HTTP_TIMEOUT: '3' });
    const before = await own.command(['GET', `${prefix}profile:default`]);
    expect((await runCli(['token'], env)).stdout).toBe(`${login.access_token}\n`);

    await own.stop();
    const started = Date.now();
    const down = await runCli(['token'], env);
    expect(Date.now() - started).toBeLessThan(3_000 + 3_000);
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('');
    expect(down.stderr).toMatch(
      new RegExp(`✗ Could not reach Redis at 127\\.0\\.0\\.1:${own.port} \\(ECONNREFUSED\\)`),
    );
    expectOneCleanError(down, [...secretsOf(login), FLEET.password]);

    // A server that takes the connection and never answers: bounded by PODIO_AUTH_HTTP_TIMEOUT all the same.
    const silent = await silentServer();
    const hangingAt = Date.now();
    const hanging = await runCli(['token'], {
      ...env,
      PODIO_AUTH_STORE: `redis://${FLEET.name}@127.0.0.1:${silent.port}/0`,
      PODIO_AUTH_HTTP_TIMEOUT: '1',
    });
    expect(Date.now() - hangingAt).toBeLessThan(1_000 + 3_000);
    expect(hanging.code).toBe(1);
    expect(hanging.stderr).toMatch(new RegExp(`Redis at 127\\.0\\.0\\.1:${silent.port}.* within 1 s`));
    expectOneCleanError(hanging, [FLEET.password]);

    await own.restart();
    expect(await own.command(['GET', `${prefix}profile:default`])).toBe(before);
    const again = await runCli(['token'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`${login.access_token}\n`);
  });

  it('a wrong password, no password, or an ACL user without the keys: exit 1 naming the cause; the password never shown', async () => {
    const podio = await fakePodio();
    const prefix = freshPrefix();
    await seed(prefix, userLogin(podio, inAnHour()));
    const wrong = 'not-the-password-4411';
    const storeMachine = machine(podio, prefix, 'store', { PODIO_AUTH_REDIS_PASSWORD: wrong });
    const pointerMachine = machine(podio, prefix, 'pointer', { PODIO_AUTH_REDIS_PASSWORD: wrong });
    const secrets = [wrong, FLEET.password, ADMIN_PASSWORD, OUTSIDER.password];

    for (const env of [storeMachine.env, pointerMachine.env]) {
      const result = await runMain(['token'], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`✗ Redis at 127\\.0\\.0\\.1:${server.port} rejected the user name or password \\(WRONGPASS\\)`),
      );
      expectOneCleanError(result, secrets);
    }
    const none = await runMain(['token'], {
      ...storeMachine.env,
      PODIO_AUTH_STORE: server.url,
      PODIO_AUTH_REDIS_PASSWORD: undefined,
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/requires a password, and the store URL gives none \(NOAUTH\)/);
    expectOneCleanError(none, secrets);
    const outsider = await runMain(['token'], {
      ...storeMachine.env,
      PODIO_AUTH_STORE: `redis://${OUTSIDER.name}@127.0.0.1:${server.port}`,
      PODIO_AUTH_REDIS_PASSWORD: OUTSIDER.password,
    });
    expect(outsider.code).toBe(1);
    expect(outsider.stderr).toMatch(
      /does not allow the user "outsider" a command or a key this store needs \(NOPERM\)/,
    );
    expectOneCleanError(outsider, secrets);

    // A login that cannot be stored fails before any browser, and writes nothing here.
    const fresh = machine(podio, prefix, 'none');
    const inUrl = `redis://${FLEET.name}:${wrong}@127.0.0.1:${server.port}/0`;
    const login = await runCli(['login', '--store', inUrl], fresh.env);
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/WRONGPASS/);
    expectOneCleanError(login, secrets);
    expect(podio.authorizeRequests).toHaveLength(0);
    expect(existsSync(fresh.sandbox.configFile)).toBe(false);
  });

  describe('import', () => {
    it('export --format json | import --store redis://… moves a laptop login into Redis; another machine uses it', async () => {
      const podio = await fakePodio({ rotateRefreshTokens: true });
      const prefix = freshPrefix();
      const laptop = machine(podio, prefix, 'none');
      const login = laptop.sandbox.storeLogin(inAnHour());
      const worker = machine(podio, prefix, 'store');

      // A real shell pipe, as a user types it: no secret on either command line.
      const pipeline = `"${process.execPath}" "${BIN}" export --format json | "${process.execPath}" "${BIN}" import --store ${fleetUrl()}`;
      for (const secret of [login.refresh_token, podio.options.clientSecret, FLEET.password]) {
        expect(pipeline).not.toContain(secret);
      }
      const seeded = spawnSync('bash', ['-o', 'pipefail', '-c', pipeline], {
        env: laptop.env as NodeJS.ProcessEnv,
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(seeded.status, seeded.stderr).toBe(0);
      expect(seeded.stdout).toBe('');
      expect(seeded.stderr).toContain(`✓ Imported the login as profile "default" into ${fleetUrl()}`);
      expect(seeded.stderr).not.toContain(login.refresh_token);

      // Moved: Redis holds it; the laptop keeps a pointer and nothing secret.
      expect(await stored(prefix)).toEqual({
        client_id: podio.options.clientId,
        client_secret: podio.options.clientSecret,
        refresh_token: login.refresh_token,
        api_url: podio.url,
      });
      expect(laptop.sandbox.readConfig()).toEqual({
        profiles: { default: { store: 'redis', redis_url: fleetUrl(), redis_prefix: prefix } },
      });
      expectNoSecretOnDisk(laptop.sandbox.root, [login.refresh_token, login.access_token, podio.options.clientSecret]);

      const first = await runCli(['token'], worker.env);
      expect(first.code, first.stderr).toBe(0);
      const fresh = await stored(prefix);
      expect(first.stdout).toBe(`${fresh?.access_token}\n`);
      expect(podio.grants('refresh_token')).toHaveLength(1);
      expect(podio.isLiveRefreshToken(login.refresh_token)).toBe(false);
      expect((await runCli(['token'], laptop.env)).stdout).toBe(first.stdout);
      expect(podio.tokenRequests).toHaveLength(1);
    });

    it('refuses to replace another login without --force, and reads only what export prints', async () => {
      const podio = await fakePodio();
      const prefix = freshPrefix();
      const held = userLogin(podio, inAnHour());
      await seed(prefix, held);
      const { env } = machine(podio, prefix, 'store');
      const other = userLogin(podio, inAnHour());
      const json = JSON.stringify({
        PODIO_CLIENT_ID: podio.options.clientId,
        PODIO_CLIENT_SECRET: podio.options.clientSecret,
        PODIO_REFRESH_TOKEN: other.refresh_token,
        PODIO_API_URL: podio.url,
      });

      const refused = await runMain(['import'], env, json);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/Profile "default" in .* already holds another login; nothing was imported/);
      expectOneCleanError(refused, secretsOf(held).concat(secretsOf(other)));
      expect(await stored(prefix)).toEqual(held);
      // The same login again replaces nothing of value: no --force needed.
      expect((await runMain(['import', '--profile', 'again'], env, json)).code).toBe(0);
      expect((await runMain(['import', '--profile', 'again'], env, json)).code).toBe(0);
      const forced = await runMain(['import', '--force'], env, json);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stderr).toMatch(/was replaced \(--force\)/);
      expect((await stored(prefix))?.refresh_token).toBe(other.refresh_token);

      const bad: [string, RegExp][] = [
        ['', /standard input is empty/],
        ['PODIO_CLIENT_ID=x', /not JSON/],
        ['[1]', /not a JSON object/],
        [
          JSON.stringify({ PODIO_CLIENT_ID: 'id', PODIO_CLIENT_SECRET: 'a-secret-value-1' }),
          /neither PODIO_REFRESH_TOKEN/,
        ],
        [
          JSON.stringify({
            PODIO_CLIENT_ID: 'id',
            PODIO_CLIENT_SECRET: 'a-secret-value-1',
            SURPRISE: 'another-secret-2',
          }),
          /has "SURPRISE", which export never prints/,
        ],
        [
          JSON.stringify({ PODIO_CLIENT_ID: 'id', PODIO_CLIENT_SECRET: 'has a space', PODIO_APP_ID: '1' }),
          /CLIENT_SECRET/,
        ],
      ];
      for (const [input, message] of bad) {
        const result = await runMain(['import', '--profile', 'bad'], env, input);
        expect(result.code, input).toBe(2);
        expect(result.stderr).toMatch(message);
        expectOneCleanError(result, ['a-secret-value-1', 'another-secret-2', 'has a space']);
      }
      expect(await stored(prefix, 'bad')).toBeUndefined();
      const elsewhere = await runMain(['import', '--store', 'file'], env, json);
      expect(elsewhere.code).toBe(2);
      expect(elsewhere.stderr).toMatch(/PODIO_AUTH_STORE names a Redis server/);
    });

    it('an app login imported into this machine’s file store: the first token redoes the app grant', async () => {
      const podio = await fakePodio();
      const { env, sandbox } = machine(podio, freshPrefix(), 'none');
      const json = JSON.stringify({
        PODIO_CLIENT_ID: podio.options.clientId,
        PODIO_CLIENT_SECRET: podio.options.clientSecret,
        PODIO_APP_ID: APP.app_id,
        PODIO_APP_TOKEN: APP.app_token,
        PODIO_API_URL: podio.url,
      });
      const imported = await runMain(['import', '--profile', 'ci'], env, json);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stderr).toContain(`into ${sandbox.configFile}`);
      expect(imported.stderr).not.toMatch(/rotate/);
      const token = await runMain(['token', '--profile', 'ci'], env);
      expect(token.code, token.stderr).toBe(0);
      expect(podio.isValidAccessToken(token.stdout.trim())).toBe(true);
      expect(podio.grants('app')).toHaveLength(1);
    });
  });

  it('doctor: reachability, the user, round trip, read and write, persistence and the lock; Redis down fails', async () => {
    const podio = await fakePodio();
    const prefix = freshPrefix();
    await seed(prefix, userLogin(podio, inAnHour()));
    const { env } = machine(podio, prefix, 'store');
    const doctor = async (extra: Record<string, string | undefined> = {}) => {
      const result = await runMain(['doctor', '--json'], { ...env, ...extra });
      const report = JSON.parse(result.stdout) as { checks: { name: string; status: string; detail: string }[] };
      const byName = (name: string) => report.checks.find((item) => item.name === name);
      return { result, byName };
    };

    const healthy = await doctor();
    expect(healthy.result.code, healthy.result.stdout).toBe(0);
    expect(healthy.byName('redis')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/round trip \d+\.\d ms \(median of 5 PINGs\)/),
    });
    expect(healthy.byName('redis-auth')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('user "fleet"'),
    });
    expect(healthy.byName('redis-acl')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(`prefix "${prefix}" (1 profile(s) there)`),
    });
    // The fleet user may run neither CONFIG nor INFO.
    expect(healthy.byName('redis-persistence')).toMatchObject({ status: 'info' });
    expect(healthy.byName('redis-lock')).toMatchObject({ status: 'ok', detail: expect.stringContaining('is free') });
    expect(healthy.byName('redis-profile:default')).toMatchObject({ status: 'ok' });
    expect(healthy.byName('login')).toMatchObject({ status: 'ok' });
    expectNoSecrets(healthy.result, [FLEET.password, podio.options.clientSecret]);

    await admin(['SET', `${prefix}lock`, 'a-holder', 'PX', '20000']);
    const locked = await doctor();
    expect(locked.byName('redis-lock')).toMatchObject({
      status: 'info',
      detail: expect.stringMatching(/holds the refresh lock right now \(its lease ends in \d+\.\d s/),
    });
    await admin(['DEL', `${prefix}lock`]);

    // The default user may read the configuration: this server keeps an append-only file.
    const asAdmin = await doctor({
      PODIO_AUTH_STORE: `redis://default@127.0.0.1:${server.port}`,
      PODIO_AUTH_REDIS_PASSWORD: ADMIN_PASSWORD,
    });
    expect(asAdmin.byName('redis-persistence')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('append-only file on'),
    });

    const down = await doctor({
      PODIO_AUTH_STORE: `redis://fleet@127.0.0.1:${await freePort()}`,
      PODIO_AUTH_HTTP_TIMEOUT: '2',
    });
    expect(down.result.code).toBe(1);
    expect(down.byName('redis')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/ECONNREFUSED/) });
    const wrong = await doctor({ PODIO_AUTH_REDIS_PASSWORD: 'wrong-password-0' });
    expect(wrong.result.code).toBe(1);
    expect(wrong.byName('redis-auth')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/WRONGPASS/) });
  });

  it('PODIO_AUTH_REDIS_LEASE_SECONDS is checked: 1 to 600 seconds', async () => {
    const podio = await fakePodio();
    const { env } = machine(podio, freshPrefix(), 'store');
    for (const value of ['0', '601', 'ten', '-5']) {
      const result = await runCli(['token'], { ...env, PODIO_AUTH_REDIS_LEASE_SECONDS: value });
      expect(result.code, value).toBe(2);
      expect(result.stderr).toMatch(/PODIO_AUTH_REDIS_LEASE_SECONDS must be a number of seconds from 1 to 600/);
    }
  });
});

// A real Secret Service (gnome-keyring on a private session bus); CI installs it.
const keyringMissing = missingSecretServicePrograms().length > 0 && process.env['CI'] !== 'true';
if (keyringMissing) {
  console.warn(
    `\n*** ${missingSecretServicePrograms().join(', ')} not installed: the import into the keyring is SKIPPED (with CI=true it runs, and fails). ***\n`,
  );
}

describe.skipIf(keyringMissing)('import into the OS keyring', () => {
  it('import --store keyring: the secrets go to the keyring, config.json keeps none, and token works', async () => {
    const session = await startSessionBus();
    onTestFinished(() => session.stop());
    const podio = await fakePodio();
    const sandbox = new Sandbox(podio);
    onTestFinished(() => sandbox.cleanup());
    const env = { ...sandbox.env(), ...session.env, PODIO_AUTH_CONFIG_DIR: sandbox.configDir };
    const tokens = podio.issueTokens();
    const json = JSON.stringify({
      PODIO_CLIENT_ID: podio.options.clientId,
      PODIO_CLIENT_SECRET: podio.options.clientSecret,
      PODIO_REFRESH_TOKEN: tokens.refresh_token,
      PODIO_API_URL: podio.url,
    });
    const imported = await runMain(['import', '--store', 'keyring', '--profile', 'kr'], env, json);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain('into the OS keyring');
    const account = keyringAccount('kr', configKey(sandbox.configFile));
    expect(sandbox.readConfig().profiles['kr']).toEqual({
      store: 'keyring',
      client_id: podio.options.clientId,
      api_url: podio.url,
      keyring_account: account,
    });
    const [entry] = await session.search(KEYRING_SERVICE);
    expect(entry?.account).toBe(account);
    expect(JSON.parse(String(entry?.secret))).toEqual({
      client_secret: podio.options.clientSecret,
      refresh_token: tokens.refresh_token,
    });
    const token = await runMain(['token', '--profile', 'kr'], env);
    expect(token.code, token.stderr).toBe(0);
    expect(podio.isValidAccessToken(token.stdout.trim())).toBe(true);
    expectNoSecretOnDisk(sandbox.root, [podio.options.clientSecret, tokens.refresh_token, token.stdout.trim()]);
  });
});
