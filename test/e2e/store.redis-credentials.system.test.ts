import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ProfileRecord } from '../../src/domain/profile.js';
import { openRedisStore } from '../../src/store/redis/store.js';
import { errorLines, inAnHour, loginRecord, runCli, Sandbox } from '../support/cli.js';
import { type FakePodio, startFakePodio } from '../support/fake-podio.js';
import { findRedisServer, type RedisServer, startRedisServer } from '../support/redis-server.js';

/**
 * A Redis password never reaches `exec`'s command, `--debug`, an error or `doctor`, whatever it holds: the built
 * CLI against a real redis-server whose user has a password with `@`, `:`, `/` and `%40` in it, and a real bash
 * printing the environment it was given.
 */

const available = findRedisServer() !== undefined;
const required = process.env['CI'] === 'true';
if (!available) {
  const outcome = required ? ' (and fail: CI=true)' : '';
  console.warn(`\n*** redis-server is not installed: the Redis credential tests are SKIPPED${outcome}. ***\n`);
}
it.runIf(!available && required)('redis-server is installed where CI requires it', () => {
  expect(findRedisServer(), 'redis-server (Debian: apt-get install redis-server)').toBeDefined();
});

const ADMIN_PASSWORD = 'admin-pass-40c7';
/** Every piece of it starts with `zq`: no trace of any piece may show anywhere. */
const FLEET = { name: 'fleet', password: 'zq1@zq2:zq3/zq4%40zq5' };
const PIECE = /zq\d/;

/** Ways to write the fleet user's password in a URL that Redis (and node-redis) read as that password. */
function fleetUrls(port: number): Record<string, string> {
  const where = `127.0.0.1:${port}/0`;
  return {
    '@ and : as they are': `redis://fleet:zq1@zq2:zq3%2Fzq4%2540zq5@${where}`,
    'all percent-encoded': `redis://fleet:${encodeURIComponent(FLEET.password)}@${where}`,
  };
}

describe.skipIf(!available)('a Redis password in PODIO_AUTH_STORE', () => {
  let server: RedisServer;
  let prefixes = 0;
  beforeAll(async () => {
    server = await startRedisServer({
      password: ADMIN_PASSWORD,
      users: [{ name: FLEET.name, password: FLEET.password, rules: '~podio-auth:* +@all' }],
    });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  /** The emulator, a sandbox, and a live login in Redis under a prefix of its own. */
  async function setup(): Promise<{ podio: FakePodio; sandbox: Sandbox; prefix: string }> {
    const podio = await startFakePodio();
    const sandbox = new Sandbox(podio);
    onTestFinished(async () => {
      await podio.stop();
      sandbox.cleanup();
    });
    const prefix = `podio-auth:cred${++prefixes}-${process.pid}:`;
    const store = await openRedisStore({ url: server.urlFor('default', ADMIN_PASSWORD), prefix, timeoutMs: 5_000 });
    const { record } = loginRecord(podio, inAnHour());
    try {
      await store.transact(new AbortController().signal, (tx) =>
        tx.writeProfile('default', { ...record, store: 'redis' } as ProfileRecord),
      );
    } finally {
      await store.close();
    }
    return { podio, sandbox, prefix };
  }

  for (const [how, url] of Object.entries(fleetUrls(0))) {
    it(`written with ${how}: exec's bash sees the store URL without any of it, and gets a working token`, async () => {
      const { podio, sandbox, prefix } = await setup();
      const given = url.replace(':0/0', `:${server.port}/0`);
      const env = sandbox.env({ PODIO_AUTH_STORE: given, PODIO_AUTH_REDIS_PREFIX: prefix });
      const script = 'printf "store=%s\\n" "${PODIO_AUTH_STORE-unset}"; env';
      const result = await runCli(['exec', '--', 'bash', '-c', script], env);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n');
      // Authenticated with the password as Redis reads it, and the store named as messages name it.
      expect(lines[0]).toBe(`store=redis://fleet@127.0.0.1:${server.port}/0`);
      const token = lines.find((line) => line.startsWith('PODIO_ACCESS_TOKEN='))?.split('=')[1];
      expect(podio.isValidAccessToken(token ?? '')).toBe(true);
      expect(result.stdout).not.toMatch(PIECE);
    });
  }

  it('--debug, a rejected password, and doctor never show a piece of it', async () => {
    const { sandbox, prefix } = await setup();
    const [url] = Object.values(fleetUrls(server.port));
    const env = sandbox.env({ PODIO_AUTH_STORE: url, PODIO_AUTH_REDIS_PREFIX: prefix });

    const debug = await runCli(['--debug', 'exec', '--', 'bash', '-c', 'env'], env);
    expect(debug.code).toBe(0);
    expect(debug.stdout + debug.stderr).not.toMatch(PIECE);

    const doctor = await runCli(['doctor'], env);
    expect(doctor.stdout + doctor.stderr).toContain(`redis://fleet@127.0.0.1:${server.port}/0`);
    expect(doctor.stdout + doctor.stderr).not.toMatch(PIECE);

    // The same shape, one piece wrong: Redis refuses it, and the message names the user, not the password.
    const wrong = (url as string).replace('zq5', 'zq6');
    const refused = await runCli(['--debug', 'token'], { ...env, PODIO_AUTH_STORE: wrong });
    expect(refused.code).toBe(1);
    expect(errorLines(refused)).toEqual([expect.stringMatching(/WRONGPASS/)]);
    expect(refused.stdout + refused.stderr).not.toMatch(PIECE);
  });

  it('a pointer in config.json edited to hold the password: doctor and `profiles move` never show it', async () => {
    const { sandbox, prefix } = await setup();
    const [url] = Object.values(fleetUrls(server.port));
    sandbox.writeConfig({ profiles: { default: { store: 'redis', redis_url: url } } });
    const env = sandbox.env({ PODIO_AUTH_REDIS_PREFIX: prefix });
    const doctor = await runCli(['doctor'], env);
    expect(doctor.code).toBe(0);
    expect(doctor.stdout + doctor.stderr).not.toMatch(PIECE);
    const move = await runCli(['profiles', 'move', 'default', '--to', 'keyring'], env);
    expect(move.code).toBe(2);
    expect(move.stderr).toContain(`lives in Redis (redis://fleet@127.0.0.1:${server.port}/0)`);
    expect(move.stdout + move.stderr).not.toMatch(PIECE);
  });
});
