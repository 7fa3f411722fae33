/** The data block of podio-auth.fish: the commands and options, from which the script registers its completions. */
import { type CompletionProgram, type CompletionValue, childrenOf, groupsOf, leafOf } from './program.js';

/** fish's single quotes keep everything but \\ and '. */
const fishQuote = (text: string) => `'${text.replace(/[\\']/g, (char) => `\\${char}`)}'`;

/**
 * How a value completes, as the fish script spells it: `profile`, `file`, `command-line`, `command-name`, `none`,
 * or `words` and the argument of `complete -a`, which splits it into words as fish would a command line.
 */
function fishValue(program: CompletionProgram, value: CompletionValue | undefined, where: 'option' | 'argument') {
  if (!value) return '';
  // An argument lists the commands with their descriptions; an option's value, only their names.
  if (value.kind === 'command-name' && where === 'option') return fishWords(childrenOf(program, '').map(leafOf));
  if (value.kind) return value.kind;
  return value.choices.length ? fishWords(value.choices) : 'none';
}
const fishWords = (words: readonly string[]) => `words ${words.map(fishQuote).join(' ')}`;

const fishList = (name: string, rows: string[][]) =>
  `${[`set -g ${name}`, ...rows.map((row) => `    ${row.map(fishQuote).join(' ')}`)].join(' \\\n')}\n`;

/** `__podio_auth_commands` and `__podio_auth_options`, one entry a line. */
export function fishData(program: CompletionProgram): string {
  const groups = groupsOf(program);
  const descriptions = new Map(program.commands.map((command) => [command.name, command.description]));
  const commands = groups.map((group) => [
    group.name,
    descriptions.get(group.name) ?? '',
    fishValue(program, group.argument, 'argument'),
  ]);
  const options = groups.flatMap((group) =>
    group.options.map((option) => [
      group.name,
      option.names.join(' '),
      fishValue(program, option.value, 'option'),
      option.description,
    ]),
  );
  return fishList('__podio_auth_commands', commands) + fishList('__podio_auth_options', options);
}
