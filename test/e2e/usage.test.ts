import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  aMinuteAgo,
  type CliResult,
  errorLines,
  inAnHour,
  ROOT,
  runCli,
  runMain,
  startSandbox,
} from '../support/cli.js';

/** A place for a config dir that nothing else uses; the commands here fail before they would write to it. */
function bareEnv(): Record<string, string | undefined> {
  const home = mkdtempSync(join(tmpdir(), 'podio-auth-usage-'));
  onTestFinished(() => rmSync(home, { recursive: true, force: true }));
  return { PATH: process.env['PATH'], HOME: home, PODIO_AUTH_CONFIG_DIR: join(home, 'config') };
}

/** A usage error: exit 2, one `✗` line, its hint on the next line, nothing on stdout, commander's voice gone. */
function expectUsageError(result: CliResult, message: RegExp, hint: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(errorLines(result)).toEqual([expect.stringMatching(message)]);
  const lines = result.stderr.split('\n');
  expect(lines[lines.findIndex((line) => line.startsWith('✗')) + 1]).toMatch(hint);
  expect(result.stderr).not.toMatch(/^error:/m);
}

/** The variables named in the first column of a document's "Environment" table(s). */
function variablesInEnvironmentSection(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^#{2,3} Environment\b/.test(line));
  if (start < 0) return [];
  const level = (/^#+/.exec(lines[start] as string)?.[0] ?? '').length;
  const end = lines.findIndex((line, index) => index > start && new RegExp(`^#{1,${level}} `).test(line));
  const names = new Set<string>();
  for (const line of lines.slice(start, end < 0 ? undefined : end)) {
    if (!line.startsWith('|')) continue;
    const firstCell = line.split('|')[1] ?? '';
    for (const [, name] of firstCell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(name as string);
  }
  return [...names];
}

describe('help', () => {
  it('lists every variable the README and the pages under docs/ list', async () => {
    const help = await runMain(['--help'], bareEnv());
    expect(help.code).toBe(0);
    const pages = readdirSync(join(ROOT, 'docs')).map((file) => join('docs', file));
    const documents = ['README.md', ...pages].filter((file) => file.endsWith('.md') && existsSync(join(ROOT, file)));
    const named = documents.flatMap((file) => variablesInEnvironmentSection(readFileSync(join(ROOT, file), 'utf8')));
    // The README's table has at least these; a parser that found nothing would prove nothing.
    expect(named).toEqual(expect.arrayContaining(['PODIO_CLIENT_ID', 'HTTP_PROXY', 'PODIO_APP_ID', 'GITHUB_ACTIONS']));
    for (const name of named) expect(help.stdout, name).toMatch(new RegExp(`\\b${name}\\b`));
    expect(help.stdout).toMatch(/NO_COLOR is set \(it always wins\)/);
    expect(help.stdout).toMatch(/143 terminated/);
    expect(help.stdout).toMatch(/126 not executable, 127 not found/);
  });

  it("each command's help has what people look up there", async () => {
    const expected: Record<string, RegExp[]> = {
      login: [/--client-secret-stdin/, /pasted/, /3 denied in the\s+browser or timed out/],
      token: [/\$\(podio-auth token\)/, /at most 28799/, /env-only mode/, /::add-mask::/, /Exit codes: 0/],
      status: [/env-only mode/, /Exit codes/],
      logout: [/--forget/, /client id and origins/],
      export: [/gh secret set -f -/, /--reveal/],
      exec: [/-- <command> \[args\.\.\.\]/, /exec --profile work -- node sync\.js --all/, /126 not executable, 127/],
      doctor: [/0 when no check failed, 1 otherwise/],
      emulator: [/demo-client/, /Ctrl-C/],
      completion: [/mkdir -p ~\/\.local\/share\/bash-completion\/completions/, /on PATH/],
      profiles: [/use <name> +make <name> the profile used/],
    };
    for (const [command, patterns] of Object.entries(expected)) {
      for (const args of [
        ['help', command],
        [command, '--help'],
      ]) {
        const result = await runMain(args, bareEnv());
        expect(result.code, args.join(' ')).toBe(0);
        expect(result.stderr, args.join(' ')).toBe('');
        for (const pattern of patterns) expect(result.stdout, `${args.join(' ')}: ${pattern}`).toMatch(pattern);
      }
    }
  });

  it('`podio-auth` alone shows the help on stderr and exits 2, without a line about "outputHelp"', async () => {
    const result = await runMain([], bareEnv());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Usage: podio-auth \[options\] \[command\]/);
    expect(result.stderr).toMatch(/^Environment:$/m);
    expect(errorLines(result)).toEqual([]);
  });

  it('`help profiles move` is the help of `profiles move`, as `profiles move --help` is', async () => {
    const nested = await runMain(['help', 'profiles', 'move'], {});
    const flag = await runMain(['profiles', 'move', '--help'], {});
    expect(nested).toMatchObject({ code: 0, stdout: flag.stdout });
    expect(nested.stdout).toMatch(/^Usage: podio-auth profiles move /);
  });

  it('`help <unknown>` says the command is unknown and lists the real ones, hidden ones left out', async () => {
    const result = await runMain(['help', 'nosuch'], bareEnv());
    expectUsageError(result, /^✗ Unknown command "nosuch"\.$/, /^Commands: login, token, status, .*profiles\.$/);
    expect(result.stderr).not.toContain('__complete');
    expect(result.stderr).not.toContain('Usage:');
  });
});

describe('help whatever the settings', () => {
  it('`help help` is the help, exit 0', async () => {
    const result = await runMain(['help', 'help'], bareEnv());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: podio-auth /);
  });

  it('help and the version work with a setting that is wrong, on the fast path and the full CLI', async () => {
    const env = { ...bareEnv(), PODIO_AUTH_HTTP_TIMEOUT: 'abc', PODIO_AUTH_STORE: 'nowhere' };
    for (const args of [['--help'], ['token', '--help'], ['help', 'exec'], ['--version'], ['-V']]) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout, args.join(' ')).not.toBe('');
      expect(result.stderr, args.join(' ')).toBe('');
    }
    // Anything else still says what is wrong, `exec` of a command given -h or --help too (those are its own).
    for (const args of [['token'], ['exec', '--', 'ls', '-h'], ['exec', '--', 'node', '--help']]) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(errorLines(result)).toEqual([expect.stringContaining('PODIO_AUTH_HTTP_TIMEOUT must be')]);
    }
  });
});

describe("commander's errors, in the tool's voice with a hint", () => {
  it('exec without `--` before its command’s options', async () => {
    const result = await runMain(['exec', 'node', 'x', '--all'], bareEnv());
    expectUsageError(result, /^✗ Unknown option '--all'$/, /goes after `--`: podio-auth exec -- <command> \[args…\]/);
    const none = await runMain(['exec'], bareEnv());
    expectUsageError(none, /^✗ Missing required argument 'command'$/, /podio-auth exec -- <command> \[args…\]/);
  });

  it('`profiles uses work` points to `profiles use work`', async () => {
    const result = await runMain(['profiles', 'uses', 'work'], bareEnv());
    expectUsageError(result, /^✗ Too many arguments for 'profiles'/, /^Did you mean `podio-auth profiles use work`\?$/);
    const missing = await runMain(['profiles', 'use'], bareEnv());
    expectUsageError(missing, /^✗ Missing required argument 'name'$/, /`podio-auth profiles` lists them/);
  });

  it('a secret given as an option points to the variable and the -stdin option, and is never repeated', async () => {
    for (const args of [
      ['login', '--client-secret', 'TOPSECRET-9'],
      ['login', '--client-secret=TOPSECRET-9'],
    ]) {
      const result = await runMain(args, bareEnv());
      expectUsageError(result, /^✗ Unknown option '--client-secret'$/, /PODIO_CLIENT_SECRET.*--client-secret-stdin/);
      expect(result.stderr).not.toContain('TOPSECRET');
    }
  });

  it('typos get commander’s suggestion as the hint', async () => {
    expectUsageError(
      await runMain(['tokn'], bareEnv()),
      /^✗ Unknown command 'tokn'$/,
      /^Did you mean `podio-auth token`\?$/,
    );
    expectUsageError(
      await runMain(['token', '--jsn'], bareEnv()),
      /^✗ Unknown option '--jsn'$/,
      /^Did you mean --json\?$/,
    );
  });

  it('a command option before the command, and a profile name without --profile', async () => {
    expectUsageError(
      await runMain(['--profile', 'work', 'token'], bareEnv()),
      /^✗ Unknown option '--profile'$/,
      /^Options go after the command: `podio-auth token --profile …`\.$/,
    );
    expectUsageError(
      await runMain(['status', 'work'], bareEnv()),
      /^✗ Too many arguments for 'status'/,
      /^A profile is chosen with --profile: `podio-auth status --profile work`\.$/,
    );
  });

  it('a bad choice names the argument, not the value', async () => {
    expectUsageError(
      await runMain(['completion', 'tcsh'], bareEnv()),
      /^✗ The value of <shell> is invalid\. Allowed choices are bash, zsh, fish\.$/,
      /^See `podio-auth help completion`\.$/,
    );
  });
});

describe('a hand-edited date in config.json', () => {
  it('that is not a date: status, profiles and doctor name the file and the field, never NaN', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(new Date(Date.now() + 3_600_000));
    for (const [field, value] of [
      ['expires_at', 'tomorrow'],
      ['obtained_at', ''],
      ['refresh_obtained_at', '2026-99-99'],
    ] as const) {
      sandbox.storeLogin(new Date(Date.now() + 3_600_000));
      sandbox.editProfile('default', { [field]: value });
      for (const args of [['status'], ['profiles'], ['profiles', '--json'], ['doctor'], ['token']]) {
        const result = await runMain(args, sandbox.env());
        const all = result.stdout + result.stderr;
        expect(result.code, args.join(' ')).toBe(1);
        expect(all, args.join(' ')).not.toMatch(/NaN|Invalid Date/);
        expect(all, args.join(' ')).toContain(
          `The config file ${sandbox.configFile} has a profile "default" whose field "${field}" is not a date.`,
        );
      }
    }
  });

  it('that is a date, however far off, shows as days, never NaN', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(new Date(Date.now() + 3_600_000));
    sandbox.editProfile('default', {
      expires_at: '+275760-09-13T00:00:00.000Z',
      obtained_at: '1970-01-01T00:00:00.000Z',
      refresh_obtained_at: '1970-01-01T00:00:00.000Z',
    });
    for (const args of [['status'], ['profiles'], ['profiles', '--json'], ['doctor'], ['token', '--json']]) {
      const result = await runMain(args, sandbox.env());
      expect(result.stdout + result.stderr, args.join(' ')).not.toMatch(/NaN|Invalid Date|null d/);
    }
    expect((await runMain(['profiles'], sandbox.env())).stdout).toMatch(/token expires in \d+ d \d+ h/);
    expect((await runMain(['status'], sandbox.env())).stdout).toMatch(/\(in \d+ d \d+ h\)/);
  });
});

describe('settings that are wrong', () => {
  it('the fast path answers nothing past a setting the full CLI refuses', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    for (const env of [
      { PODIO_AUTH_HTTP_TIMEOUT: '0' },
      { PODIO_AUTH_STORE: 'garbage' },
      { PODIO_AUTH_LOCK_STALE_SECONDS: '0' },
    ]) {
      const result = await runCli(['token'], sandbox.env(env));
      expect(result.code, JSON.stringify(env)).toBe(2);
      expect(result.stdout).toBe('');
    }
  });

  it('bad settings are one line with the right exit code', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const cases: [Record<string, string>, string[], number, RegExp][] = [
      [
        { PODIO_AUTH_HTTP_TIMEOUT: '99999999' },
        ['status'],
        2,
        /PODIO_AUTH_HTTP_TIMEOUT must be a number of seconds from 1 to 3600/,
      ],
      [{ PODIO_AUTH_HTTP_TIMEOUT: '2147484' }, ['status'], 2, /PODIO_AUTH_HTTP_TIMEOUT/],
      [{ PODIO_AUTH_HTTP_TIMEOUT: 'soon' }, ['status'], 2, /PODIO_AUTH_HTTP_TIMEOUT/],
      [{ PODIO_API_URL: 'not a url' }, ['status'], 2, /PODIO_API_URL is not a URL/],
      // What stands before an @ of a URL that does not parse may be a password: it is not shown.
      [
        { PODIO_API_URL: 'http://u:SECRET-PW-42@127.0.0.1:99999' },
        ['token'],
        2,
        /^✗ PODIO_API_URL is not a URL: "http:\/\/…@127\.0\.0\.1:99999"\.$/,
      ],
      [
        { PODIO_AUTH_URL: 'http://a@b:SECRET-PW-42@exa mple.com' },
        ['login', '--app', '777'],
        2,
        /"http:\/\/…@exa mple\.com"/,
      ],
      [
        { PODIO_AUTH_CONFIG_DIR: '/proc/podio-auth' },
        ['login', '--app', '777'],
        1,
        /Could not write \/proc\/podio-auth\/config\.json/,
      ],
    ];
    for (const [env, args, code, message] of cases) {
      const result = await runCli(args, sandbox.env({ PODIO_APP_TOKEN: 'app-token-0123456789abcdef', ...env }));
      expect(result.code, JSON.stringify(env)).toBe(code);
      expect(errorLines(result), JSON.stringify(env)).toEqual([expect.stringMatching(message)]);
      expect(result.stderr).not.toMatch(/Unexpected error|\n\s+at /);
      expect(result.stderr).not.toContain('SECRET-PW');
    }
    const doctor = await runCli(['doctor'], sandbox.env({ PODIO_API_URL: 'not a url' }));
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/✗ PODIO_API_URL is not a URL/);
  });
});

describe('--debug on an expected failure', () => {
  it("adds the failure's stable code and a stack trace to the line and its hint, on stderr", async () => {
    const { sandbox } = await startSandbox();
    const { refresh_token } = sandbox.storeLogin(inAnHour());
    const plain = await runMain(['token', '--profile', 'nobody'], sandbox.env());
    expect(plain.stderr).not.toMatch(/debug:|\n\s+at /);
    const debug = await runMain(['--debug', 'token', '--profile', 'nobody'], sandbox.env());
    expect(debug).toMatchObject({ code: 4, stdout: '' });
    expect(debug.stderr).toMatch(/^✗ /m);
    expect(debug.stderr).toMatch(/^debug: error code unknown_profile \(exit 4\)$/m);
    expect(debug.stderr).toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(debug.stderr).not.toContain(refresh_token);
  });
});

describe('a profile name that is not one', () => {
  it('says where it came from: PODIO_PROFILE, or the default set with `profiles use`', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const fromEnv = await runMain(['token'], sandbox.env({ PODIO_PROFILE: 'a b' }));
    expect(fromEnv.code).toBe(2);
    expect(errorLines(fromEnv)).toEqual(['✗ PODIO_PROFILE is "a b", which is not a valid profile name.']);
    sandbox.writeConfig({ ...sandbox.readConfig(), default_profile: 'a b' });
    const stored = await runMain(['token'], sandbox.env());
    expect(errorLines(stored)).toEqual([
      '✗ The default profile (`profiles use`) is "a b", which is not a valid profile name.',
    ]);
  });

  it("--debug after `--` is the command's, not podio-auth's", async () => {
    const { sandbox } = await startSandbox();
    // Expired: the refresh would be traced with --debug.
    sandbox.storeLogin(aMinuteAgo());
    // --min-ttl: the full CLI (the fast path reads no option after `--` either).
    const result = await runCli(
      ['exec', '--min-ttl', '60', '--', 'sh', '-c', 'echo "$1"', 'sh', '--debug'],
      sandbox.env(),
    );
    expect(result).toMatchObject({ code: 0, stdout: '--debug\n' });
    expect(result.stderr).not.toContain('debug:');
  });
});

describe('what may be a secret is never repeated', () => {
  it('never echoes what may be a secret typed in the wrong place', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    for (const args of [
      ['login', '--app=SUPERSECRET99'],
      ['api', '/x', '-H', 'X-Key=SUPERSECRET99'],
    ]) {
      const result = await runMain(args, sandbox.env());
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).not.toContain('SUPERSECRET99');
    }
  });

  it('never echoes a value given to an option, nor prints a fragment of a broken config with --debug', async () => {
    const { sandbox } = await startSandbox();
    for (const args of [
      ['login', '--client-secret=TOPSECRET-1'],
      ['login', '--app-token=TOPSECRET-1'],
      ['login', '--password=TOPSECRET-1'],
      ['token', '--min-ttl=TOPSECRET-1'],
    ]) {
      const result = await runMain(args, sandbox.env());
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).not.toContain('TOPSECRET');
      expect(errorLines(result)).toHaveLength(1);
    }
    const secretHint = await runMain(['login', '--client-secret', 'x'], sandbox.env());
    expect(secretHint.stderr).toMatch(/PODIO_CLIENT_SECRET.*--client-secret-stdin/);
    sandbox.writeConfig('{"profiles": {"default": {"refresh_token": "STORED-SECRET-42", oops}}}');
    const debug = await runMain(['--debug', 'token'], sandbox.env());
    expect(debug.code).toBe(1);
    expect(debug.stderr).not.toContain('STORED-SECRET');
  });
});
