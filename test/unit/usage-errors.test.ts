import { CommanderError } from '@commander-js/extra-typings';
import { describe, expect, it } from 'vitest';
import { commanderFailure, withoutOptionValues } from '../../src/ui/usage-errors.js';

const COMMANDS = ['login', 'token', 'exec', 'status', 'profiles', 'api'];
const refused = (code: string, message: string, argv: string[]) =>
  commanderFailure(new CommanderError(1, code, message), argv, COMMANDS);

describe("commander errors in the tool's own voice", () => {
  it('keeps option names and drops their values', () => {
    expect(withoutOptionValues("unknown option '--client-secret=abc'")).toBe("unknown option '--client-secret'");
    expect(withoutOptionValues("option '--port <n>' argument 'abc' is invalid")).toBe(
      "option '--port <n>' value is invalid",
    );
    expect(withoutOptionValues("command-argument value 'tcsh' is invalid for argument 'shell'.")).toBe(
      'the value of <shell> is invalid.',
    );
  });

  it('an unknown option: one line, capitalised, no value; a hint per mistake', () => {
    const secret = refused('commander.unknownOption', "error: unknown option '--client-secret=abc'\n", [
      'login',
      '--client-secret=abc',
    ]);
    expect(secret).toEqual({
      code: 'unknown_option',
      message: "Unknown option '--client-secret'",
      hint: expect.stringMatching(/^No option takes a secret: set PODIO_CLIENT_SECRET/),
    });
    expect(refused('commander.unknownOption', "error: unknown option '-l'", ['exec', '-l']).hint).toBe(
      'The command to run goes after `--`: podio-auth exec -- <command> [args…].',
    );
    expect(
      refused('commander.unknownOption', "error: unknown option '--profile'", ['--profile', 'work', 'token']).hint,
    ).toBe('Options go after the command: `podio-auth token --profile …`.');
    expect(
      refused('commander.unknownOption', "error: unknown option '--jsn'\n(Did you mean --json?)", ['token', '--jsn'])
        .hint,
    ).toBe('Did you mean --json?');
    expect(refused('commander.unknownOption', "error: unknown option '--nope'", ['token', '--nope']).hint).toBe(
      'See `podio-auth help token` for the options.',
    );
  });

  it("an unknown command: commander's suggestion, or the list of commands", () => {
    expect(
      refused('commander.unknownCommand', "error: unknown command 'tokn'\n(Did you mean token?)", ['tokn']),
    ).toEqual({ code: 'unknown_command', message: "Unknown command 'tokn'", hint: 'Did you mean `podio-auth token`?' });
    expect(refused('commander.unknownCommand', "error: unknown command 'zzz'", ['zzz']).hint).toBe(
      'See `podio-auth help` for the commands.',
    );
  });

  it('too many arguments: a near sub-command, the profiles hint, or a profile meant as --profile', () => {
    const excess = (argv: string[]) =>
      refused('commander.excessArguments', `error: too many arguments for '${argv[0]}'.`, argv);
    expect(excess(['profiles', 'uses', 'work']).hint).toBe('Did you mean `podio-auth profiles use work`?');
    expect(excess(['profiles', 'uses', 'a b']).hint).toBe('Did you mean `podio-auth profiles use <name>`?');
    expect(excess(['profiles', 'work']).hint).toBe('To choose the default profile: `podio-auth profiles use <name>`.');
    expect(excess(['status', 'work'])).toMatchObject({
      code: 'usage',
      hint: 'A profile is chosen with --profile: `podio-auth status --profile work`.',
    });
    expect(excess(['status', 'a;b']).hint).toBe('See `podio-auth help status`.');
    expect(excess(['api', 'x', 'y']).hint).toBe('See `podio-auth help api`.');
  });

  it('a missing argument: how exec and profiles use take theirs, else the help of the command', () => {
    const missing = (argv: string[]) =>
      refused('commander.missingArgument', "error: missing required argument 'x'", argv);
    expect(missing(['exec']).hint).toBe('Give the command to run after `--`: podio-auth exec -- <command> [args…].');
    expect(missing(['profiles', 'use']).hint).toBe(
      '`podio-auth profiles use <name>` makes <name> the default; `podio-auth profiles` lists them.',
    );
    expect(missing(['api'])).toEqual({
      code: 'usage',
      message: "Missing required argument 'x'",
      hint: 'See `podio-auth help api`.',
    });
  });

  it('anything else is a usage error pointing at the help', () => {
    expect(refused('commander.invalidArgument', "error: option '--port <n>' argument 'x' is invalid.", [])).toEqual({
      code: 'usage',
      message: "Option '--port <n>' value is invalid.",
      hint: 'See `podio-auth help`.',
    });
  });
});
