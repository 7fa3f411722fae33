import { describe, expect, it } from 'vitest';
import type { ProfileRecord } from '../../src/domain/profile.js';
import { type RefreshRequest, takesStoredToken } from '../../src/usecases/refresh-under-lock.js';
import { tokensOf } from '../../src/usecases/token-policy.js';

const NOW = new Date('2030-01-01T12:00:00Z');

/** A stored profile whose token expires `leftSeconds` from NOW (and lived `lifetimeSeconds` in all). */
function stored(accessToken: string, leftSeconds: number, lifetimeSeconds = 28_800): ProfileRecord {
  const expires = NOW.getTime() + leftSeconds * 1000;
  return {
    client_id: 'c',
    client_secret: 's',
    access_token: accessToken,
    refresh_token: 'r',
    expires_at: new Date(expires).toISOString(),
    obtained_at: new Date(expires - lifetimeSeconds * 1000).toISOString(),
  };
}

type Decision = Pick<RefreshRequest, 'ttl' | 'replacing' | 'rejected'>;

function request(overrides: Partial<Decision>): Decision {
  return {
    ttl: { seconds: 300, strict: false },
    replacing: 'old',
    rejected: false,
    ...overrides,
  };
}

function decide(profile: ProfileRecord, overrides: Partial<Decision>): boolean {
  const tokens = tokensOf(profile);
  if (!tokens) throw new Error('the test profile has no token');
  return takesStoredToken(profile, tokens, request(overrides), NOW);
}

describe('the decision under the lock: take the stored token, or refresh', () => {
  it("takes another process's new token that has time left, even less than the usual margin", () => {
    expect(decide(stored('new', 60), {})).toBe(true);
  });

  it('refreshes when the token stored is the one that was found wanting and it is short of time', () => {
    expect(decide(stored('old', 60), {})).toBe(false);
  });

  it('refreshes when Podio rejected the stored token, however long it seems to live', () => {
    expect(decide(stored('old', 7_200), { replacing: 'old', rejected: true })).toBe(false);
  });

  it('takes a token still good when nothing was rejected (another process refreshed it under the same value)', () => {
    expect(decide(stored('old', 7_200), {})).toBe(true);
  });

  it('does not take a new token that has expired', () => {
    expect(decide(stored('new', -1), {})).toBe(false);
  });

  it('with --min-ttl, takes a new token only if it lives at least that long', () => {
    const strict = { ttl: { seconds: 3_600, strict: true } };
    expect(decide(stored('new', 1_800), strict)).toBe(false);
    expect(decide(stored('new', 3_700), strict)).toBe(true);
  });
});
