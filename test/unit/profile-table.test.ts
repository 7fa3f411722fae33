import { describe, expect, it } from 'vitest';
import { profileTable } from '../../src/ui/profile-table.js';
import type { ProfileSummary } from '../../src/usecases/profiles.js';

const NOW = new Date('2030-01-01T12:00:00Z');
const row = (over: Partial<ProfileSummary>): ProfileSummary => ({
  name: 'default',
  default: false,
  who: 'Ada Lovelace <ada@example.com>',
  grant: 'authorization_code',
  store: 'file',
  expires_at: '2030-01-01T13:00:00Z',
  logged_in: true,
  ...over,
});

describe('the profiles table', () => {
  it('aligns name, who and the token state; * marks the default; a store other than the file is named', () => {
    const table = profileTable(
      [
        row({ default: true }),
        row({ name: 'work', who: null, store: 'keyring', expires_at: '2030-01-01T11:00:00Z' }),
        row({ name: 'ci', who: 'bot', store: 'redis', logged_in: false }),
        row({ name: 'bare', expires_at: null }),
        row({ name: 'far', who: null, store: 'redis', logged_in: null, unread: 'Redis is down.' }),
      ],
      NOW,
    );
    expect(table).toBe(
      [
        '* default  Ada Lovelace <ada@example.com>  token expires in 1 h 0 min',
        '  work     (unknown user)                  token expired 1 h 0 min ago (keyring)',
        '  ci       bot                             logged out (redis)',
        '  bare     Ada Lovelace <ada@example.com>  no token',
        '  far      (unknown user)                  not read (redis)',
        '',
      ].join('\n'),
    );
  });

  it('makes names and users printable: they come from files anyone with write access can fill', () => {
    const table = profileTable([row({ name: 'evil\u001b]0;x\u0007', who: 'who\u001b[2J' })], NOW);
    expect(table).not.toMatch(/[\u0000-\u001f](?!$)/);
  });
});
