import { describe, expect, it } from 'vitest';
import { createKnownTokens, HELD_TOKENS_KEPT } from '../../src/interop/podio-js-known-tokens.js';
import type { TokenSet } from '../../src/podio/token-client.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');

function tokens(accessToken: string, refreshToken: string, lifetimeSeconds = 28_800): TokenSet {
  return {
    accessToken,
    refreshToken,
    tokenType: 'bearer',
    expiresAt: new Date(NOW + lifetimeSeconds * 1000).toISOString(),
  };
}

const obtained = new Date(NOW).toISOString();

describe('KnownTokens: what the podio-js session store knows of its tokens', () => {
  it('a look at the profile that began before a newer token was adopted does not bring the older one back', () => {
    const known = createKnownTokens();
    const readStarted = known.nextMoment();
    const writeBackEnded = known.nextMoment();
    expect(known.adopt(tokens('newer', 'r2'), writeBackEnded, obtained)).toBe(true);
    expect(known.adopt(tokens('older', 'r1'), readStarted, obtained)).toBe(false);
    expect(known.latest?.accessToken).toBe('newer');
    // Not adopted, so podio-js never read it through this store: not a token a refresh of its own starts from.
    expect([...known.held]).toEqual(['r2']);
  });

  it('keeps the margin `podio-auth token` keeps: five minutes, or half the life of a short-lived token', () => {
    const known = createKnownTokens();
    known.adopt(tokens('long', 'r1'), known.nextMoment(), obtained);
    expect(known.latest?.marginMs).toBe(300_000);
    expect(known.latest?.expiresAt).toBe(NOW + 28_800_000);
    known.adopt(tokens('short', 'r2', 120), known.nextMoment(), obtained);
    expect(known.latest?.marginMs).toBe(60_000);
  });

  it(`remembers the ${HELD_TOKENS_KEPT} newest refresh tokens podio-js could have read, a token held again as newest`, () => {
    const known = createKnownTokens();
    for (let i = 0; i < HELD_TOKENS_KEPT; i++) known.adopt(tokens(`a${i}`, `r${i}`), known.nextMoment(), obtained);
    known.adopt(tokens('again', 'r0'), known.nextMoment(), obtained);
    known.adopt(tokens('one more', 'r-new'), known.nextMoment(), obtained);
    expect(known.held.size).toBe(HELD_TOKENS_KEPT);
    expect(known.held.has('r0')).toBe(true);
    expect(known.held.has('r1')).toBe(false);
    expect(known.held.has('r-new')).toBe(true);
  });

  it('a token with no usable expiry has none, and no refresh token is held for an answer without one', () => {
    const known = createKnownTokens();
    known.adopt({ accessToken: 'given', tokenType: 'bearer', expiresAt: '' }, known.nextMoment(), obtained);
    expect(known.latest?.expiresAt).toBeUndefined();
    expect(known.held.size).toBe(0);
  });
});
