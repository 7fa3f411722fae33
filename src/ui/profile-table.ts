import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { describeExpiry } from './format.js';

/** What the table shows of a profile: the `profiles` use case's summary has it all. */
export interface ProfileRow {
  name: string;
  default: boolean;
  who: string | null;
  store: string;
  expires_at: string | null;
  logged_in: boolean | null;
}

/** `podio-auth profiles` as text: one aligned line per profile (`*` marks the default), who, and the token's state. */
export function profileTable(rows: readonly ProfileRow[], now: Date): string {
  const lines = rows.map((row) => [
    `${row.default ? '*' : ' '} ${sanitizeForTerminal(row.name, 80)}`,
    // Names and users come from config.json or Redis, which anyone with write access there can fill.
    row.who === null ? '(unknown user)' : sanitizeForTerminal(row.who, 120),
    row.store === 'file' ? tokenState(row, now) : `${tokenState(row, now)} (${row.store})`,
  ]);
  const width = (i: number) => Math.max(...lines.map((line) => (line[i] ?? '').length));
  const [first, second] = [width(0), width(1)];
  return `${lines.map(([a = '', b = '', c = '']) => `${a.padEnd(first)}  ${b.padEnd(second)}  ${c}`).join('\n')}\n`;
}

function tokenState(row: ProfileRow, now: Date): string {
  if (row.logged_in === null) return 'not read';
  if (!row.logged_in) return 'logged out';
  const expiry = row.expires_at ? describeExpiry(row.expires_at, now) : undefined;
  if (!expiry) return 'no token';
  return `token ${Date.parse(row.expires_at ?? '') > now.getTime() ? 'expires' : 'expired'} ${expiry}`;
}
