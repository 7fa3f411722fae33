import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ProfileRecord } from '../../src/domain/profile.js';
import { openFileStore } from '../../src/store/file/store.js';
import type { ProfileStore } from '../../src/store/port.js';
import { importProfile } from '../../src/usecases/import.js';
import { fakeDeps, unexpectedHttp } from '../support/deps.js';

/** `import --store redis://…` leaves a pointer here: it must not replace a login made here while it ran. */

const never = () => new AbortController().signal;
const EXPORTED = JSON.stringify({
  PODIO_CLIENT_ID: 'client',
  PODIO_CLIENT_SECRET: 'secret-imported',
  PODIO_REFRESH_TOKEN: 'refresh-imported',
});
const MADE_MEANWHILE: ProfileRecord = {
  client_id: 'client',
  client_secret: 'secret-here',
  refresh_token: 'refresh-made-meanwhile',
};

/** A store standing in for the Redis server (a file store of its own). */
function elsewhere(): ProfileStore {
  const dir = mkdtempSync(join(tmpdir(), 'podio-auth-elsewhere-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return openFileStore({ dir });
}

/** This machine's store, where a `login` in another shell lands just before the pointer is written. */
function withLoginMeanwhile(store: ProfileStore): ProfileStore {
  let calls = 0;
  return {
    ...store,
    transact: async (signal, fn) => {
      if (++calls === 1) await store.transact(signal, (tx) => tx.writeProfile('default', MADE_MEANWHILE));
      return store.transact(signal, fn);
    },
  };
}

describe('import into Redis from a machine with a config file', () => {
  for (const force of [false, true]) {
    it(`${force ? 'with' : 'without'} --force, a login made here meanwhile is ${force ? 'replaced by' : 'kept, not'} the pointer`, async () => {
      const target = elsewhere();
      const { deps } = fakeDeps(unexpectedHttp, {}, { openRedis: () => target });
      const here = deps.store;
      const importing = importProfile(
        { text: EXPORTED, store: { kind: 'redis', url: 'redis://127.0.0.1:1/0' }, force },
        { ...deps, store: withLoginMeanwhile(here) },
      );
      if (force) await importing;
      else await expect(importing).rejects.toThrow(/was logged in meanwhile, so it is kept as it is/);
      const local = await here.getProfile('default', never());
      if (force) expect(local).toMatchObject({ store: 'redis', redis_url: 'redis://127.0.0.1:1/0' });
      else expect(local).toEqual(MADE_MEANWHILE);
      expect(await target.getProfile('default', never())).toMatchObject({ refresh_token: 'refresh-imported' });
    });
  }
});
