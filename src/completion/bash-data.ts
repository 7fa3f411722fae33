/** The data block of podio-auth.bash: what each command takes, as the script's lookups read it. */
import { type CompletionProgram, type CompletionValue, childrenOf, groupsOf, leafOf } from './program.js';

export const shQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
/** A word for `compgen -W`, which expands its list as the shell would: escape all but plain characters. */
const compgenWord = (text: string) => text.replace(/[^\w.,/@%+=:-]/g, (char) => `\\${char}`);

/** How a value completes, as the bash script spells it: `profile`, `file`, `command-line`, `words a b`, or ''. */
function bashValue(program: CompletionProgram, value: CompletionValue | undefined): string {
  if (!value) return '';
  if (value.kind === 'command-name') return `words ${childrenOf(program, '').map(leafOf).map(compgenWord).join(' ')}`;
  if (value.kind) return value.kind;
  return value.choices.length ? `words ${value.choices.map(compgenWord).join(' ')}` : '';
}

/** `_podio_auth_commands` and `_podio_auth_values`, one entry a line. */
export function bashData(program: CompletionProgram): string {
  const groups = groupsOf(program);
  const commands = groups.map((group) => {
    const subcommands = childrenOf(program, group.name).map(leafOf).join(' ');
    const options = group.options.flatMap((option) => option.names).join(' ');
    return [group.name, options, subcommands, bashValue(program, group.argument)];
  });
  const values = groups.flatMap((group) =>
    group.options.flatMap((option) => {
      const value = option.value && bashValue(program, option.value);
      return value === undefined ? [] : option.names.map((name) => [group.name, name, value]);
    }),
  );
  const entries = (rows: string[][]) => rows.map((row) => `  ${row.map(shQuote).join(' ')}\n`).join('');
  return `_podio_auth_commands=(\n${entries(commands)})\n_podio_auth_values=(\n${entries(values)})\n`;
}
