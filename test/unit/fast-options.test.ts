import { describe, expect, it } from 'vitest';
import {
  COMMAND_OPTIONS,
  type FastCommandName,
  OPTION_SPECS,
  type OptionSpec,
  parseOptions,
} from '../../src/commands/fast-options.js';
import type { App } from '../../src/commands/shared.js';
import { fastBundleFor } from '../../src/fast-route.js';
import { buildProgram } from '../../src/main.js';

const COMMANDS = Object.keys(COMMAND_OPTIONS) as FastCommandName[];

/** The full CLI's program, whose actions do nothing: parsing alone is under test. */
function program() {
  const app = { deps: {}, run: async () => {} } as unknown as App;
  return buildProgram(app);
}

/** What commander makes of a command line: its options, as the command's action would get them. */
async function commanderReads(argv: string[]): Promise<Record<string, unknown>> {
  const cli = program();
  await cli.parseAsync(argv, { from: 'user' });
  const command = cli.commands.find((candidate) => candidate.name() === argv[0]);
  const options: Record<string, unknown> = { ...command?.opts() };
  // Defaults are commander's to fill in; the fast path reads them from the same table.
  if (options['format'] === OPTION_SPECS.format.default && !argv.some((word) => word.startsWith('--format')))
    delete options['format'];
  return options;
}

describe('the options of token, exec and export, declared once', () => {
  it('are the options commander defines for each command, with the same names, values and choices', () => {
    for (const name of COMMANDS) {
      const command = program().commands.find((candidate) => candidate.name() === name);
      const defined = command?.options.map((option) => ({
        name: option.attributeName(),
        flags: option.flags,
        choices: option.argChoices,
        default: option.defaultValue,
      }));
      const declared = COMMAND_OPTIONS[name].map((option) => {
        const spec: OptionSpec = OPTION_SPECS[option];
        return { name: option, flags: spec.flags, choices: spec.choices, default: spec.default };
      });
      expect(defined, name).toEqual(declared);
    }
  });

  it('are read by the fast path as commander reads them, wherever the fast path reads a command line at all', async () => {
    const lines = [
      ['token'],
      ['token', '--profile', 'work'],
      ['token', '--profile=work'],
      ['token', '--json', '--profile', 'a', '--profile', 'b'],
      ['token', '--min-ttl', '600'],
      ['token', '--min-ttl=0', '--json'],
      ['exec', '--profile', 'work'],
      ['exec', '--min-ttl', '60'],
      ['export', '--format', 'shell'],
      ['export', '--format=github', '--profile', 'ci'],
      ['export', '--reveal'],
    ];
    for (const argv of lines) {
      const [command, ...words] = argv as [FastCommandName, ...string[]];
      const given = parseOptions(command, words);
      expect(given, argv.join(' ')).not.toBeNull();
      const asCommander = Object.fromEntries(
        Object.entries(given ?? {}).map(([name, value]) => [name, name === 'minTtl' ? Number(value) : value]),
      );
      // exec's command follows `--`; commander needs one to parse the line.
      const full = command === 'exec' ? [...argv, '--', 'true'] : argv;
      expect(asCommander, argv.join(' ')).toEqual(await commanderReads(full));
    }
  });

  it('leave to the full CLI what the fast path does not read plainly', () => {
    const lines: [FastCommandName, string[]][] = [
      ['token', ['--format', 'json']],
      ['token', ['--profile']],
      ['token', ['--profile', '']],
      ['token', ['--profile', '--json']],
      ['token', ['--json=yes']],
      ['token', ['-p', 'work']],
      ['token', ['extra']],
      ['export', ['--format', 'yaml']],
      ['export', ['--format=']],
      ['exec', ['--reveal']],
    ];
    for (const [command, words] of lines) expect(parseOptions(command, words), words.join(' ')).toBeNull();
  });
});

describe('the launcher’s choice of fast bundle', () => {
  it('goes by podio-auth’s own words: after `--`, the words are the command exec runs', () => {
    expect(fastBundleFor(['exec', '--', 'ls', '-h'])).toBe('exec');
    expect(fastBundleFor(['exec', '--profile', 'work', '--', 'grep', '--help'])).toBe('exec');
    expect(fastBundleFor(['exec', '--help', '--', 'ls'])).toBe('help');
  });

  it('sends help to the help bundle, the fast commands to theirs, and nothing else anywhere', () => {
    expect(fastBundleFor(['token'])).toBe('token');
    expect(fastBundleFor(['export', '--format', 'shell'])).toBe('export');
    expect(fastBundleFor(['token', '--help'])).toBe('help');
    expect(fastBundleFor(['help', 'login'])).toBe('help');
    expect(fastBundleFor(['login', '-h'])).toBe('help');
    expect(fastBundleFor(['--help'])).toBe('help');
    expect(fastBundleFor(['login'])).toBeUndefined();
    expect(fastBundleFor([])).toBeUndefined();
  });
});
