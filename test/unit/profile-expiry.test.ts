import { describe, expect, it } from 'vitest';
import { resolveProfileName } from '../../src/store/profile-names.js';
import { hasTimeLeft, refreshMarginMs } from '../../src/usecases/token-policy.js';

/** Profile names, and when a token is refreshed ahead of its expiry. */

describe('profiles and expiry', () => {
  it('checks profile names', () => {
    expect(resolveProfileName(undefined, {})).toBe('default');
    expect(resolveProfileName(undefined, { PODIO_PROFILE: 'ci' })).toBe('ci');
    expect(resolveProfileName('work', { PODIO_PROFILE: 'ci' })).toBe('work');
    expect(resolveProfileName(undefined, {}, 'chosen')).toBe('chosen');
    for (const bad of ['', '../x', 'a.b', 'a b', '-x'])
      expect(() => resolveProfileName(bad, {})).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it('refreshes five minutes before expiry, or at half the lifetime of short-lived tokens', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const at = (s: number) => new Date(now.getTime() + s * 1000).toISOString();
    const eightHours = { obtained_at: at(-60), expires_at: at(8 * 3600 - 60) };
    expect(refreshMarginMs(eightHours, 300)).toBe(300_000);
    const late = { obtained_at: at(-28_000) };
    expect(hasTimeLeft({ ...late, expires_at: at(301) }, now, 300)).toBe(true);
    expect(hasTimeLeft({ ...late, expires_at: at(299) }, now, 300)).toBe(false);
    const short = { obtained_at: at(0), expires_at: at(60) };
    expect(refreshMarginMs(short, 300)).toBe(30_000);
    expect(refreshMarginMs(short, 300, true)).toBe(300_000);
  });
});
