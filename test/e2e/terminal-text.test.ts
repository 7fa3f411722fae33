import { describe, expect, it } from 'vitest';
import { escapeMessage } from '../../src/domain/terminal-text.js';
import { aMinuteAgo, type CliResult, inAnHour, loginRecord, runMain, startSandbox } from '../support/cli.js';

/**
 * Names from a store reach the terminal escaped, in every command, on stdout and stderr; --json keeps them exact.
 * The names are the ones a hand-edited config.json (or any fleet member writing to Redis) can hold.
 */

const TITLE = '\u001b]0;pwned\u0007';
const RED = '\u001b[31m';
const HOSTILE_NAME = `ops${TITLE}${RED}\nfake line\rover`;
const HOSTILE_USER = `Eve${RED} <eve@example.com>\n✓ Logged in as admin\u202e`;

async function hostileSandbox() {
  const { podio, sandbox } = await startSandbox();
  const { record } = loginRecord(podio, inAnHour());
  sandbox.writeConfig({
    default_profile: HOSTILE_NAME,
    profiles: { [HOSTILE_NAME]: { ...record, user_name: HOSTILE_USER } },
  });
  return { podio, sandbox };
}

/** No control character at all in what a terminal would get (off a terminal, not even colour). */
function expectNoControls(result: CliResult): void {
  for (const text of [result.stdout, result.stderr]) {
    expect(text.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
  }
  expect(result.stdout + result.stderr).not.toMatch(/^(fake line|✓ Logged in as admin)/m);
}

describe('one renderer for the terminal', () => {
  it('profiles: hostile profile and user names are escaped in the table; --json has them exact', async () => {
    const { sandbox } = await hostileSandbox();
    const table = await runMain(['profiles'], sandbox.env());
    expect(table.code).toBe(0);
    expectNoControls(table);
    expect(table.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(table.stdout).toContain('ops');
    const json = await runMain(['profiles', '--json'], sandbox.env());
    const parsed = JSON.parse(json.stdout);
    expect(parsed.profiles[0]).toMatchObject({ name: HOSTILE_NAME, who: HOSTILE_USER });
  });

  it('status, token, logout and profiles use say hostile names escaped, on stdout and stderr', async () => {
    const { sandbox } = await hostileSandbox();
    const status = await runMain(['status'], sandbox.env());
    expectNoControls(status);
    const unknown = await runMain(['token', '--profile', 'nope'], sandbox.env());
    expect(unknown.code).toBe(4);
    expectNoControls(unknown);
    expect(unknown.stderr).toContain('Profiles: ops');
    const doctor = await runMain(['doctor'], sandbox.env());
    expectNoControls(doctor);
    const logout = await runMain(['logout', '--all'], sandbox.env());
    expect(logout.code).toBe(0);
    expectNoControls(logout);
    expect(logout.stderr).toMatch(/Profile "ops .*" logged out/);
  });

  it('a message keeps its own line breaks and colours, and loses every other control', () => {
    const painted = `${RED}✓\u001b[39m Profile "${HOSTILE_NAME}"\nnext`;
    expect(escapeMessage(painted, true)).toBe(`${RED}✓\u001b[39m Profile "ops ]0;pwned ${RED}\nfake line over"\nnext`);
    expect(escapeMessage(painted, false)).toBe(' [31m✓ [39m Profile "ops ]0;pwned  [31m\nfake line over"\nnext');
  });

  it('keeps control characters from Podio out of the terminal (scope, ref)', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(aMinuteAgo());
    const fresh = podio.issueTokens();
    podio.overrideNextTokenAnswer(() => ({
      status: 200,
      body: { ...fresh, scope: 'global:all\u001b]0;pwned\u0007', ref: { type: 'user', id: 4242 } },
    }));
    const result = await runMain(['status'], sandbox.env());
    expect(result.stdout + result.stderr).not.toContain('\u001b');
  });
});
