import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompletionProgram } from '../../src/completion/program.js';
import { completionScript, type Shell } from '../../src/completion/script.js';
import { BIN, ROOT, runCli } from '../support/cli.js';

/**
 * Each script is loaded in the real shell, which is asked what it would complete. The CLI they call for profile
 * names is the built one, on PATH through a `podio-auth` shim, reading a config dir with two profiles.
 */

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'podio-auth-completion-'));
const home = join(root, 'home');
const binDir = join(root, 'bin');
const configDir = join(root, 'config');
const workDir = join(root, 'work');
const zshFunctions = join(root, 'zfunc');
const ZSH_CAPTURE = join(ROOT, 'test', 'support', 'zsh-capture.zsh');
const BASH_COMPLETION = '/usr/share/bash-completion/bash_completion';

const env: Record<string, string> = {
  PATH: `${binDir}${delimiter}${process.env['PATH'] ?? ''}`,
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_DATA_HOME: join(home, '.local', 'share'),
  PODIO_AUTH_CONFIG_DIR: configDir,
  LANG: 'C.UTF-8',
  TERM: 'xterm',
};

/** The commands in the program's order. */
const COMMANDS = [
  ...[
    'login',
    'token',
    'status',
    'logout',
    'export',
    'import',
    'exec',
    'api',
    'doctor',
    'emulator',
    'completion',
    'profiles',
  ],
  'help',
];
/** `token`'s options, as the shells sort them. */
const TOKEN_OPTIONS = ['--debug', '--help', '--json', '--min-ttl', '--profile', '--version'];
const FORMATS = ['dotenv', 'shell', 'json', 'github'];

const onPath = (program: string) =>
  (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, program)));
/**
 * A missing shell skips its tests, loudly (a warning, and the reason in their title); in CI (CI=true) they run, and
 * fail.
 */
const inCi = process.env['CI'] === 'true';
function availability(title: string, what: string, present: boolean): { skip: boolean; title: string } {
  if (present || inCi) return { skip: false, title };
  console.warn(`*** completion: ${what} is not installed here, so its tests are SKIPPED (with CI=true they fail) ***`);
  return { skip: true, title: `${title} (SKIPPED: ${what} is not installed)` };
}
const bashShell = availability('bash', 'bash', onPath('bash'));
const bashCompletion = availability(
  'works loaded by bash-completion, and hands exec -- over to the command',
  `bash-completion (${BASH_COMPLETION})`,
  existsSync(BASH_COMPLETION),
);
const zshShell = availability('zsh', 'zsh', onPath('zsh'));
const fishShell = availability('fish', 'fish', onPath('fish'));

/** A program with what the real one lacks today: values with colons and quotes, and options that take a file. */
const SYNTHETIC: CompletionProgram = {
  options: [{ names: ['--debug'], description: 'show stack traces', value: undefined }],
  commands: [
    {
      name: 'grant',
      description: 'ask for a scope: one of [global:read, global:all]',
      options: [
        {
          names: ['--scope'],
          description: 'the scope: "global:read" [default]',
          value: { choices: ['global:read', 'global:all', "it's"], kind: undefined },
        },
        { names: ['-i', '--input'], description: 'a file to read', value: { choices: [], kind: 'file' } },
      ],
      argument: undefined,
    },
    { name: 'read', description: 'read a file', options: [], argument: { choices: [], kind: 'file' } },
  ],
};

const scripts: Partial<Record<Shell, string>> = {};

beforeAll(async () => {
  for (const dir of [home, binDir, workDir, zshFunctions]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(binDir, 'podio-auth'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(join(binDir, 'podio-auth'), 0o755);
  mkdirSync(configDir, { mode: 0o700 });
  const profile = { client_id: 'id', client_secret: 'not-for-completion', refresh_token: 'not-for-completion-either' };
  // A name that is not a valid profile name is never offered: a shell could take it for code.
  const profiles = { work: profile, home: profile, '$(touch pwned)': profile };
  writeFileSync(join(configDir, 'config.json'), JSON.stringify({ profiles }), { mode: 0o600 });
  writeFileSync(join(workDir, 'notes.txt'), '');
  writeFileSync(join(workDir, 'numbers.csv'), '');
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const result = await runCli(['completion', shell], env);
    expect(result.code).toBe(0);
    scripts[shell] = result.stdout;
  }
  // Installed as docs/completion.md says.
  writeFileSync(join(zshFunctions, '_podio-auth'), scripts.zsh ?? '');
  mkdirSync(join(home, '.config', 'fish', 'completions'), { recursive: true });
  writeFileSync(join(home, '.config', 'fish', 'completions', 'podio-auth.fish'), scripts.fish ?? '');
  mkdirSync(join(home, '.local', 'share', 'bash-completion', 'completions'), { recursive: true });
  writeFileSync(join(home, '.local', 'share', 'bash-completion', 'completions', 'podio-auth'), scripts.bash ?? '');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter(Boolean);

// ---------------------------------------------------------------------------------------------------- bash

/**
 * COMP_WORDS as bash makes them (checked against bash 5.2 in a terminal): split at white space, then at runs of
 * its word-break characters, so `--format=js` is `--format`, `=`, `js`; a trailing space starts an empty word. Bash
 * hands the function the text readline will replace ($2: empty right after a break character) and the word before.
 */
function bashWords(line: string): { words: string[]; cur: string; prev: string } {
  const words = line
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((word) => word.match(/[=:<>]+|[^=:<>]+/g) ?? []);
  if (/\s$/.test(line)) words.push('');
  const last = words.at(-1) ?? '';
  return { words, cur: /^[=:<>]+$/.test(last) ? '' : last, prev: words.at(-2) ?? '' };
}

interface BashOptions {
  /** How the script is loaded: sourced from the program's output, or by bash-completion from the user's dir. */
  load?: 'source' | 'bash-completion';
  /** More set-up, after loading. */
  setup?: string;
  /** A script file to source instead of the program's. */
  script?: string;
}

/** What bash offers for `line` (cursor at its end): COMPREPLY, one a line. */
async function bash(line: string, options: BashOptions = {}): Promise<string[]> {
  const { words, cur, prev } = bashWords(line);
  const load = options.script
    ? 'source "$SCRIPT"'
    : options.load === 'bash-completion'
      ? `source ${BASH_COMPLETION}; _completion_loader podio-auth; complete -p podio-auth >/dev/null || exit 9`
      : 'source <(podio-auth completion bash)';
  const program = [
    load,
    options.setup ?? '',
    'COMP_LINE=$1; COMP_POINT=${#1}; shift 3',
    'COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))',
    '_podio_auth podio-auth "$CUR" "$PREV"',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', program, 'bash', line, '', '', ...words], {
    cwd: workDir,
    env: { ...env, CUR: cur, PREV: prev, SCRIPT: options.script ?? '' },
    timeout: 30_000,
  });
  return lines(stdout);
}

describe.skipIf(bashShell.skip)(bashShell.title, () => {
  it('completes the commands, past global options', async () => {
    expect(await bash('podio-auth ')).toEqual(COMMANDS);
    expect(await bash('podio-auth lo')).toEqual(['login', 'logout']);
    expect(await bash('podio-auth --debug tok')).toEqual(['token']);
  });

  it("completes a command's options, and their values from a fixed set", async () => {
    expect((await bash('podio-auth token --')).sort()).toEqual(TOKEN_OPTIONS);
    expect(await bash('podio-auth export --format ')).toEqual(FORMATS);
    expect(await bash('podio-auth export --format j')).toEqual(['json']);
    // Readline replaces only what follows "=".
    expect(await bash('podio-auth export --format=j')).toEqual(['json']);
    expect(await bash('podio-auth export --format=')).toEqual(FORMATS);
    expect(await bash('podio-auth completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(await bash('podio-auth profiles ')).toEqual(['use', 'move']);
  });

  it('completes the stored profile names after --profile and `profiles use`', async () => {
    expect(await bash('podio-auth token --profile ')).toEqual(['home', 'work']);
    expect(await bash('podio-auth login --profile w')).toEqual(['work']);
    expect(await bash('podio-auth status --profile=h')).toEqual(['home']);
    expect(await bash('podio-auth profiles use ')).toEqual(['home', 'work']);
  });

  it('offers nothing, and no option names, for a value it cannot know', async () => {
    expect(await bash('podio-auth login --port ')).toEqual([]);
    expect(await bash('podio-auth login --scope ')).toEqual([]);
    // The value of --scope is not the command's argument: the word after it is still an option name.
    expect(await bash('podio-auth login --scope global:read --pro')).toEqual(['--profile']);
  });

  it('completes the commands after help', async () => {
    expect(await bash('podio-auth help ')).toEqual(COMMANDS);
    expect(await bash('podio-auth help st')).toEqual(['status']);
  });

  it('completes a command from PATH after exec --, then files for it', async () => {
    expect(await bash('podio-auth exec -- podio-a')).toEqual(['podio-auth']);
    expect(await bash('podio-auth exec --profile work podio-a')).toEqual(['podio-auth']);
    expect((await bash('podio-auth exec -- cat n')).sort()).toEqual(['notes.txt', 'numbers.csv']);
    expect(await bash('podio-auth exec --min')).toEqual(['--min-ttl']);
  });

  it('completes file names after < and >', async () => {
    expect(await bash('podio-auth token < no')).toEqual(['notes.txt']);
    expect(await bash('podio-auth token <no')).toEqual(['notes.txt']);
    expect(await bash('podio-auth token >num')).toEqual(['numbers.csv']);
    expect((await bash('podio-auth token 2>>n')).sort()).toEqual(['notes.txt', 'numbers.csv']);
    expect(await bash('podio-auth token < notes.txt --pro')).toEqual(['--profile']);
  });

  it.skipIf(bashCompletion.skip)(bashCompletion.title, async () => {
    const options: BashOptions = { load: 'bash-completion', setup: "complete -W 'alpha beta' fakecmd" };
    expect(await bash('podio-auth token --profile ', options)).toEqual(['home', 'work']);
    expect(await bash('podio-auth exec -- fakecmd ', options)).toEqual(['alpha', 'beta']);
    expect(await bash('podio-auth exec -- podio-auth export --format ', options)).toEqual(FORMATS);
    expect(await bash('podio-auth token < no', options)).toEqual(['notes.txt']);
  });

  it('completes file names after an option that takes a file', async () => {
    const script = join(root, 'synthetic.bash');
    writeFileSync(script, completionScript('bash', SYNTHETIC));
    const options: BashOptions = { script };
    expect(await bash('podio-auth grant --input no', options)).toEqual(['notes.txt']);
    expect(await bash('podio-auth grant --input=nu', options)).toEqual(['numbers.csv']);
    // Readline replaces what follows ":"; a quote comes out quoted.
    expect(await bash('podio-auth grant --scope global:r', options)).toEqual(['read']);
    expect(await bash('podio-auth grant --scope i', options)).toEqual(["it\\'s"]);
    expect((await bash('podio-auth read n', options)).sort()).toEqual(['notes.txt', 'numbers.csv']);
  });
});

// ---------------------------------------------------------------------------------------------------- zsh

interface ZshOptions {
  /** `list`: what completion offers, as `match -- description`; `line`: the command line after Tab. */
  mode?: 'list' | 'line';
  /** Run after compinit, instead of finding the script on $fpath. */
  init?: string;
  /** A directory holding `_podio-auth`, put first on $fpath. */
  fpath?: string;
}

/** compinit's dump for each $fpath: built by the first call that uses it (a quarter of a second), then read. */
const zshDumps = new Map<string, string>();

async function zsh(line: string, options: ZshOptions = {}): Promise<string[]> {
  const fpath = options.init ? '' : (options.fpath ?? zshFunctions);
  const dump = zshDumps.get(fpath) ?? join(root, `zcompdump-${zshDumps.size}`);
  zshDumps.set(fpath, dump);
  const { stdout } = await run('zsh', ['-f', ZSH_CAPTURE, options.mode ?? 'list', line], {
    cwd: workDir,
    env: { ...env, CAPTURE_FPATH: fpath, CAPTURE_INIT: options.init ?? '', CAPTURE_DUMP: dump },
    timeout: 30_000,
  });
  return lines(stdout);
}
const matches = (offered: string[]) => offered.map((line) => line.split(' -- ')[0]);

describe.skipIf(zshShell.skip)(zshShell.title, () => {
  it('completes the commands with their descriptions, past global options', async () => {
    const offered = await zsh('podio-auth ');
    expect(matches(offered)).toEqual(COMMANDS);
    expect(offered).toContain('token -- print a valid access token on stdout, refreshing it first if needed');
    expect(await zsh('podio-auth --debug tok', { mode: 'line' })).toEqual(['podio-auth --debug token']);
  });

  it("completes a command's options, and their values from a fixed set", async () => {
    expect(matches(await zsh('podio-auth token --')).sort()).toEqual(TOKEN_OPTIONS);
    expect(await zsh('podio-auth export --format ')).toEqual(FORMATS);
    expect(await zsh('podio-auth export --format=j', { mode: 'line' })).toEqual(['podio-auth export --format=json']);
    expect(await zsh('podio-auth completion ')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('keeps colons in descriptions and values whole', async () => {
    expect(await zsh('podio-auth login --sc')).toEqual(['--scope -- scopes to ask for, e.g. "global:read"']);
    const dir = join(root, 'zfunc-synthetic');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '_podio-auth'), completionScript('zsh', SYNTHETIC));
    expect(await zsh('podio-auth ', { fpath: dir })).toEqual([
      'grant -- ask for a scope: one of [global:read, global:all]',
      'read -- read a file',
    ]);
    const synthetic = { fpath: dir };
    const edited = { fpath: dir, mode: 'line' } as const;
    expect(await zsh('podio-auth grant --sc', synthetic)).toEqual(['--scope -- the scope: "global:read" [default]']);
    // As zsh will insert them: the quote escaped.
    expect(await zsh('podio-auth grant --scope ', synthetic)).toEqual(['global:read', 'global:all', "it\\'s"]);
    expect(await zsh('podio-auth grant --scope global:r', edited)).toEqual(['podio-auth grant --scope global:read']);
    expect(await zsh('podio-auth grant --scope it', edited)).toEqual(["podio-auth grant --scope it\\'s"]);
    expect(await zsh('podio-auth grant --input no', edited)).toEqual(['podio-auth grant --input notes.txt']);
  });

  it('completes the stored profile names after --profile and `profiles use`', async () => {
    expect(await zsh('podio-auth token --profile ')).toEqual(['home', 'work']);
    expect(await zsh('podio-auth profiles use ')).toEqual(['home', 'work']);
    expect(await zsh('podio-auth status --profile=w', { mode: 'line' })).toEqual(['podio-auth status --profile=work']);
    // Loaded with `source <(podio-auth completion zsh)` after compinit, too.
    const sourced = { init: 'source <(podio-auth completion zsh)' };
    expect(await zsh('podio-auth token --profile ', sourced)).toEqual(['home', 'work']);
  });

  it('offers nothing after an option whose value it cannot know', async () => {
    expect(await zsh('podio-auth login --port ')).toEqual([]);
  });

  it('completes the commands after help', async () => {
    expect(matches(await zsh('podio-auth help '))).toEqual(COMMANDS);
  });

  it('completes a command from PATH after exec --, then as that command completes', async () => {
    expect(matches(await zsh('podio-auth exec -- podio-a'))).toEqual(['podio-auth']);
    expect(await zsh('podio-auth exec -- podio-auth export --format ')).toEqual(FORMATS);
    expect(await zsh('podio-auth exec --profile work podio-auth tok', { mode: 'line' })).toEqual([
      'podio-auth exec --profile work podio-auth token',
    ]);
  });

  it('completes file names after <', async () => {
    expect(await zsh('podio-auth token < no', { mode: 'line' })).toEqual(['podio-auth token < notes.txt']);
  });
});

// ---------------------------------------------------------------------------------------------------- fish

/** What fish offers for `line` (`complete -C`): `match\tdescription`, one a line. */
async function fish(line: string, options: { noConfig?: boolean; setup?: string } = {}): Promise<string[]> {
  const args = options.noConfig ? ['--no-config'] : [];
  const { stdout } = await run('fish', [...args, '-c', `${options.setup ?? ''}\ncomplete -C "$LINE"`], {
    cwd: workDir,
    env: { ...env, LINE: line },
    timeout: 30_000,
  });
  return lines(stdout);
}
const fishMatches = (offered: string[]) => offered.map((line) => line.split('\t')[0]);

describe.skipIf(fishShell.skip)(fishShell.title, () => {
  it('completes the commands, past global options', async () => {
    expect(fishMatches(await fish('podio-auth '))).toEqual([...COMMANDS].sort());
    expect(await fish('podio-auth --debug tok')).toEqual([
      'token\tprint a valid access token on stdout, refreshing it first if needed',
    ]);
  });

  it("completes a command's options, and their values from a fixed set", async () => {
    expect(fishMatches(await fish('podio-auth token --'))).toEqual(TOKEN_OPTIONS);
    expect(fishMatches(await fish('podio-auth export --format '))).toEqual([...FORMATS].sort());
    expect(fishMatches(await fish('podio-auth export --format=j'))).toEqual(['--format=json']);
    expect(fishMatches(await fish('podio-auth completion '))).toEqual(['bash', 'fish', 'zsh']);
  });

  it('completes the stored profile names after --profile and `profiles use`', async () => {
    expect(fishMatches(await fish('podio-auth token --profile '))).toEqual(['home', 'work']);
    expect(fishMatches(await fish('podio-auth profiles use '))).toEqual(['home', 'work']);
    // Loaded with `podio-auth completion fish | source`, too.
    const sourced = { noConfig: true, setup: 'podio-auth completion fish | source' };
    expect(fishMatches(await fish('podio-auth token --profile ', sourced))).toEqual(['home', 'work']);
  });

  it('offers no files, nor anything else, where the command takes none', async () => {
    expect(await fish('podio-auth login --port ')).toEqual([]);
    expect(await fish('podio-auth token ')).toEqual([]);
    expect(await fish('podio-auth profiles use work ')).toEqual([]);
  });

  it('completes the commands after help', async () => {
    expect(fishMatches(await fish('podio-auth help '))).toEqual([...COMMANDS].sort());
  });

  it('completes a command from PATH after exec --, then as that command completes', async () => {
    expect(fishMatches(await fish('podio-auth exec -- podio-a'))).toEqual(['podio-auth']);
    expect(fishMatches(await fish('podio-auth exec -- podio-auth export --format '))).toEqual([...FORMATS].sort());
    expect(fishMatches(await fish('podio-auth exec -- cat n'))).toEqual(['notes.txt', 'numbers.csv']);
  });

  it('completes file names after < and after an option that takes a file', async () => {
    expect(fishMatches(await fish('podio-auth token < no'))).toEqual(['notes.txt']);
    const synthetic = join(root, 'synthetic.fish');
    writeFileSync(synthetic, completionScript('fish', SYNTHETIC));
    const options = { noConfig: true, setup: `source ${synthetic}` };
    expect(fishMatches(await fish('podio-auth grant --input no', options))).toEqual(['notes.txt']);
    expect(fishMatches(await fish('podio-auth grant --scope global:r', options))).toEqual(['global:read']);
    expect(fishMatches(await fish('podio-auth grant --scope i', options))).toEqual(["it's"]);
  });
});
