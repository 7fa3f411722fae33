import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyringVault } from '../../src/store/keyring/vault.js';
import { type HungBus, skipWithoutSecretService, startHungBus } from '../support/secret-service.js';

/**
 * The keyring helper process needs the session bus and a home, never a secret: its environment, read from
 * /proc while it is stuck on a bus that never answers, holds no token, client secret or store password.
 */

const skip = skipWithoutSecretService('the keyring helper environment test') || process.platform !== 'linux';

/** The environments of this process's children, as /proc shows them. */
function childEnvironments(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The parent pid is the 2nd field after the command name in parentheses.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === process.pid) found.push(readFileSync(`/proc/${entry}/environ`, 'utf8'));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

describe.skipIf(skip)('the keyring helper process', () => {
  let dir: string;
  let hung: HungBus;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'podio-auth-helper-env-'));
    hung = await startHungBus(dir);
  });
  afterAll(async () => {
    await hung?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gets no secret in its environment: no token, client secret, Redis password or store URL password', async () => {
    const env = {
      ...hung.env,
      PODIO_CLIENT_SECRET: 'helper-client-secret',
      PODIO_REFRESH_TOKEN: 'helper-refresh-token',
      PODIO_AUTH_REDIS_PASSWORD: 'helper-redis-password',
      PODIO_AUTH_STORE: 'redis://fleet:helper@store-password@127.0.0.1:6379/0',
    };
    const keyring = createKeyringVault({ env, timeoutMs: 10_000 });
    const stop = new AbortController();
    const call = keyring.get('default', stop.signal).catch(() => undefined);
    try {
      const before = hung.connections;
      // The helper has started and reached the bus: it is running, with the environment it was given.
      for (let attempt = 0; attempt < 400 && hung.connections === before; attempt += 1) await delay(25);
      const environments = childEnvironments().filter((text) => text.includes('DBUS_SESSION_BUS_ADDRESS='));
      expect(environments).toHaveLength(1);
      const [helper] = environments as [string];
      for (const secret of [
        'helper-client-secret',
        'helper-refresh-token',
        'helper-redis-password',
        'store-password',
      ]) {
        expect(helper).not.toContain(secret);
      }
      expect(helper).toContain('PODIO_AUTH_STORE=redis://fleet@127.0.0.1:6379/0\0');
    } finally {
      stop.abort();
      await call;
      keyring.close();
    }
  });
});
