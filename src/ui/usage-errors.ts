import type { CommanderError } from '@commander-js/extra-typings';
import type { ErrorCode } from '../errors.js';

/**
 * Commander's errors in the tool's own voice: one line, no value given to an option repeated (it may be a
 * secret typed where it does not belong), and a hint for the mistakes people make.
 */

const SECRET_OPTION = /secret|password|token/i;

/** Takes values out of the text: `'--client-secret=abc'` → `'--client-secret'`, `argument 'abc' is invalid` → `value is invalid`. */
export function withoutOptionValues(text: string): string {
  return text
    .replace(/'(-{1,2}[A-Za-z0-9][\w-]*)=[^']*'/g, "'$1'")
    .replace(/argument '[^']*' is invalid/g, 'value is invalid')
    .replace(/argument '[^']*'/g, 'argument');
}

export function commanderFailure(
  error: CommanderError,
  argv: readonly string[] = [],
): { code: ErrorCode; message: string; hint?: string | undefined } {
  const text = withoutOptionValues(error.message.replace(/^error:\s*/i, '')).split('\n')[0] ?? '';
  const message = `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;
  const command = argv.find((word) => !word.startsWith('-'));
  switch (error.code) {
    case 'commander.unknownOption': {
      const option = /'(-{1,2}[\w-]+)'/.exec(text)?.[1] ?? '';
      if (SECRET_OPTION.test(option)) {
        return {
          code: 'unknown_option',
          message,
          hint: 'No option takes a secret: set PODIO_CLIENT_SECRET, PODIO_APP_TOKEN or PODIO_PASSWORD, or use --client-secret-stdin, --app-token-stdin or --password-stdin.',
        };
      }
      if (command === 'exec') {
        return {
          code: 'unknown_option',
          message,
          hint: 'The command to run goes after `--`: podio-auth exec -- <command> [args…].',
        };
      }
      return { code: 'unknown_option', message, hint: 'See `podio-auth help` for the options.' };
    }
    case 'commander.excessArguments':
      if (command === 'profiles') {
        return { code: 'usage', message, hint: 'To choose the default profile: `podio-auth profiles use <name>`.' };
      }
      return { code: 'usage', message, hint: command ? `See \`podio-auth help ${command}\`.` : undefined };
    case 'commander.unknownCommand':
      return { code: 'unknown_command', message, hint: 'See `podio-auth help` for the commands.' };
    default:
      return { code: 'usage', message, hint: command ? `See \`podio-auth help ${command}\`.` : undefined };
  }
}
