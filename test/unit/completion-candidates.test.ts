import { describe, expect, it } from 'vitest';
import { COMPLETION_BOUND_MS, profileNames } from '../../src/completion/profile-names.js';
import type { ProfileRecord } from '../../src/domain/profile.js';
import type { ProfileStore, StoreSnapshot } from '../../src/store/port.js';

/** A store whose listing is `read`; nothing else of it is used by completion. */
function storeReading(read: (signal: AbortSignal) => Promise<StoreSnapshot>): ProfileStore {
  const unused = () => Promise.reject(new Error('not used by completion'));
  return {
    kind: 'file',
    location: '/nowhere',
    read,
    getProfile: unused,
    checkWritable: unused,
    transact: unused,
    storeFor: unused,
    close: async () => {},
  };
}
const record = { client_id: 'id', client_secret: 'not-for-completion' } as unknown as ProfileRecord;
const snapshot = (...names: string[]): StoreSnapshot => ({
  defaultProfile: undefined,
  profiles: new Map(names.map((name) => [name, record])),
});
const never = () => new Promise<StoreSnapshot>(() => {});

describe('the profile names completion offers', () => {
  it('are the stored names, sorted, leaving out any a shell could take for code', async () => {
    const store = storeReading(async () => snapshot('work', '$(touch pwned)', 'home', 'a b', '-x'));
    expect(await profileNames({ signal: new AbortController().signal, store })).toEqual(['home', 'work']);
  });

  it('are given up on after the bound when the store never answers, even one that ignores the signal', async () => {
    const started = performance.now();
    const names = profileNames({ signal: new AbortController().signal, store: storeReading(never) });
    await expect(names).rejects.toBeDefined();
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(COMPLETION_BOUND_MS - 50);
    expect(took).toBeLessThan(COMPLETION_BOUND_MS + 2_000);
  });

  it('are given up on at once when the command is interrupted', async () => {
    const interrupt = new AbortController();
    const names = profileNames({ signal: interrupt.signal, store: storeReading(never) });
    const started = performance.now();
    interrupt.abort(new Error('interrupted'));
    await expect(names).rejects.toThrow('interrupted');
    expect(performance.now() - started).toBeLessThan(COMPLETION_BOUND_MS / 2);
  });
});
