import { describe, expect, it } from 'vitest';
import { checkProfiles } from '../../src/usecases/doctor/profiles.js';

describe('doctor: the profiles', () => {
  it('judges refresh token ages', () => {
    const now = new Date('2026-06-30T00:00:00Z');
    const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
    const profile = (days: number) => ({
      client_id: 'c',
      client_secret: 's',
      refresh_token: 'r',
      expires_at: daysAgo(-0.1),
      refresh_obtained_at: daysAgo(days),
    });
    const statuses = checkProfiles(
      new Map(Object.entries({ fresh: profile(3), old: profile(25), dead: profile(29) })),
      now,
    ).map((item) => [item.name, item.status]);
    expect(statuses).toEqual([
      ['profile:fresh', 'ok'],
      ['profile:old', 'warn'],
      ['profile:dead', 'fail'],
    ]);
  });

  it('reads a refresh token dated minutes ahead as new, and one dated days ahead as a clock to check', () => {
    const now = new Date('2026-06-30T00:00:00Z');
    const profile = (obtained: string) => ({
      client_id: 'c',
      client_secret: 's',
      refresh_token: 'r',
      expires_at: '2026-06-30T08:00:00Z',
      refresh_obtained_at: obtained,
    });
    const [skewed, ahead] = checkProfiles(
      new Map(Object.entries({ skewed: profile('2026-06-30T00:10:00Z'), ahead: profile('2026-07-03T00:00:00Z') })),
      now,
    );
    expect(skewed).toMatchObject({ status: 'ok', detail: expect.stringContaining('refresh token 0 of') });
    expect(ahead).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('refresh token dated 2026-07-03T00:00:00Z (in the future)'),
      hint: expect.stringContaining('clock'),
    });
  });
});
