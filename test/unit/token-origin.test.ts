import { describe, expect, it } from 'vitest';
import type { FreshToken } from '../../src/usecases/fresh-token.js';
import { tokenForOrigin } from '../../src/usecases/token-origin.js';

const tokens = {
  accessToken: 'access',
  refreshToken: 'refresh',
  expiresAt: '2030-01-01T00:00:00Z',
  tokenType: 'bearer',
};

function fromProfile(apiUrl: string): FreshToken {
  return {
    tokens,
    refreshed: false,
    source: { kind: 'profile', name: 'work', profile: { api_url: apiUrl }, location: '/c/config.json' },
  } as FreshToken;
}

describe('the token of a request prepared for an origin', () => {
  it("is given when the profile's login is still at that origin", () => {
    expect(tokenForOrigin(fromProfile('http://localhost:1'), 'http://localhost:1', {})).toBe('access');
  });

  it('is withheld when the profile was logged in again elsewhere meanwhile', () => {
    expect(() => tokenForOrigin(fromProfile('http://localhost:2'), 'http://localhost:1', {})).toThrow(
      expect.objectContaining({
        code: 'origin_changed',
        exitCode: 1,
        message:
          'Profile "work" was logged in again at http://localhost:2 while a request for http://localhost:1 was prepared: nothing was sent.',
      }),
    );
  });

  it('comes from the environment as it is in env-only mode', () => {
    const fresh = { tokens, refreshed: false, source: { kind: 'env', variable: 'PODIO_ACCESS_TOKEN' } } as FreshToken;
    expect(tokenForOrigin(fresh, 'https://api.podio.com', {})).toBe('access');
  });
});
