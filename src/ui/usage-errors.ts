import type { CommanderError } from '@commander-js/extra-typings';
import type { ErrorCode } from '../errors.js';

/**
 * Commander's errors in the tool's own voice: one line, no value given to an option repeated (it may be a
 * secret typed where it does not belong), and a hint for the mistakes people make.
 */

const SECRET_OPTION = /secret|password|token/i;

/** Options the program itself takes, before any command. */
const PROGRAM_OPTIONS = new Set(['--debug', '-V', '--version', '-h', '--help']);

/** Commands that take no argument but a profile: a bare word after them was meant as `--profile <word>`. */
const PROFILE_COMMANDS = new Set(['login', 'token', 'status', 'logout', 'export']);

/** Sub-commands, for a near miss such as `profiles uses work`. */
const SUBCOMMANDS: Record<string, readonly string[]> = { profiles: ['use'] };

/**
 * Takes values out of the text, keeping the names of options and arguments: `'--client-secret=abc'` →
 * `'--client-secret'`, `option '--port <n>' argument 'abc' is invalid` → `option '--port <n>' value is invalid`,
 * `command-argument value 'tcsh' is invalid for argument 'shell'` → `the value of <shell> is invalid`.
 */
export function withoutOptionValues(text: string): string {
  return text
    .replace(/'(-{1,2}[A-Za-z0-9][\w-]*)=[^']*'/g, "'$1'")
    .replace(/command-argument value '[^']*' is invalid for argument '([^']*)'/g, 'the value of <$1> is invalid')
    .replace(/argument '[^']*' is invalid/g, 'value is invalid');
}

/** Commander's "(Did you mean token?)" line, which the one-line message leaves out. */
function suggestionIn(message: string): string | undefined {
  return /\(Did you mean ([^?\s]+)\?\)/.exec(message)?.[1];
}

/** Edit distance up to `limit` (anything further returns limit + 1): enough to spot a typo. */
function isNear(word: string, target: string, limit = 2): boolean {
  if (Math.abs(word.length - target.length) > limit) return false;
  let previous = Array.from({ length: target.length + 1 }, (_, i) => i);
  for (let i = 1; i <= word.length; i++) {
    const current = [i];
    for (let j = 1; j <= target.length; j++) {
      const substitution = (previous[j - 1] as number) + (word[i - 1] === target[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return (previous[target.length] as number) <= limit;
}

/** A word from the command line, fit to be shown back (profile names and command names, never a value). */
function printable(word: string | undefined): string | undefined {
  return word !== undefined && /^[\w.@-]{1,64}$/.test(word) ? word : undefined;
}

/** A usage failure: the error code, its one-line message, and a hint naming the fix. */
export interface UsageFailure {
  code: ErrorCode;
  message: string;
  hint?: string | undefined;
}

/** What is known of the command line that commander refused. */
interface Refusal {
  /** Commander's message, one line, no values, capitalised. */
  message: string;
  argv: readonly string[];
  /** The command typed (undefined: none), and where it stands in argv (-1: nowhere). */
  command: string | undefined;
  commandIndex: number;
  /** `See \`podio-auth help <command>\`.` */
  seeHelp: string;
  /** Commander's own "Did you mean …?" word. */
  suggestion: string | undefined;
}

/**
 * The failure to report for commander's error. `commands` are the program's command names: with them, the
 * command is found even behind a misplaced option's value (`--profile work token`).
 */
export function commanderFailure(
  error: CommanderError,
  argv: readonly string[] = [],
  commands: readonly string[] = [],
): UsageFailure {
  const text = withoutOptionValues(error.message.replace(/^error:\s*/i, '')).split('\n')[0] ?? '';
  const known = argv.findIndex((word) => commands.includes(word));
  const commandIndex = known >= 0 ? known : argv.findIndex((word) => !word.startsWith('-'));
  const command = commandIndex >= 0 ? argv[commandIndex] : undefined;
  const refusal: Refusal = {
    message: `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`,
    argv,
    command,
    commandIndex,
    seeHelp: command ? `See \`podio-auth help ${command}\`.` : 'See `podio-auth help`.',
    suggestion: suggestionIn(error.message),
  };
  switch (error.code) {
    case 'commander.unknownOption':
      return { code: 'unknown_option', message: refusal.message, hint: unknownOptionHint(refusal, text) };
    case 'commander.unknownCommand':
      return {
        code: 'unknown_command',
        message: refusal.message,
        hint: refusal.suggestion
          ? `Did you mean \`podio-auth ${refusal.suggestion}\`?`
          : 'See `podio-auth help` for the commands.',
      };
    case 'commander.excessArguments':
      return { code: 'usage', message: refusal.message, hint: excessArgumentsHint(refusal) };
    case 'commander.missingArgument':
      return { code: 'usage', message: refusal.message, hint: missingArgumentHint(refusal) };
    default:
      return { code: 'usage', message: refusal.message, hint: refusal.seeHelp };
  }
}

/** A secret typed as an option, exec's command without `--`, an option before its command, or a near miss. */
function unknownOptionHint({ argv, command, commandIndex, seeHelp, suggestion }: Refusal, text: string): string {
  const option = /'(-{1,2}[\w-]+)'/.exec(text)?.[1] ?? '';
  if (SECRET_OPTION.test(option)) {
    return 'No option takes a secret: set PODIO_CLIENT_SECRET, PODIO_APP_TOKEN or PODIO_PASSWORD, or use --client-secret-stdin, --app-token-stdin or --password-stdin.';
  }
  if (command === 'exec') return 'The command to run goes after `--`: podio-auth exec -- <command> [args…].';
  const optionIndex = argv.findIndex((word) => word === option || word.startsWith(`${option}=`));
  if (command && optionIndex >= 0 && optionIndex < commandIndex && !PROGRAM_OPTIONS.has(option)) {
    return `Options go after the command: \`podio-auth ${command} ${option} …\`.`;
  }
  if (suggestion) return `Did you mean ${suggestion}?`;
  return `${seeHelp.slice(0, -1)} for the options.`;
}

/** A near miss of a sub-command (`profiles uses work`), or a bare profile name meant as `--profile <name>`. */
function excessArgumentsHint({ argv, command, commandIndex, seeHelp }: Refusal): string {
  const extra = argv.slice(commandIndex + 1).filter((word) => !word.startsWith('-'));
  const near = command ? SUBCOMMANDS[command]?.find((name) => extra[0] && isNear(extra[0], name)) : undefined;
  if (command && near) {
    const rest = extra.slice(1).map(printable);
    const example = rest.length > 0 && rest.every(Boolean) ? rest.join(' ') : '<name>';
    return `Did you mean \`podio-auth ${command} ${near} ${example}\`?`;
  }
  if (command === 'profiles') return 'To choose the default profile: `podio-auth profiles use <name>`.';
  const profile = printable(extra[0]);
  if (command && PROFILE_COMMANDS.has(command) && extra.length === 1 && profile) {
    return `A profile is chosen with --profile: \`podio-auth ${command} --profile ${profile}\`.`;
  }
  return seeHelp;
}

function missingArgumentHint({ command, seeHelp }: Refusal): string {
  if (command === 'exec') return 'Give the command to run after `--`: podio-auth exec -- <command> [args…].';
  if (command === 'profiles') {
    return '`podio-auth profiles use <name>` makes <name> the default; `podio-auth profiles` lists them.';
  }
  return seeHelp;
}
