/** The data block of podio-auth.zsh: the commands, and the specs `_arguments` completes each one's words with. */
import { shQuote } from './bash-data.js';
import {
  type CommandGroup,
  type CompletionOption,
  type CompletionProgram,
  type CompletionValue,
  childrenOf,
  groupsOf,
  leafOf,
} from './program.js';

/** `_arguments` and `_describe` split at colons that are not escaped; `]` ends an option's description. */
const zshEscape = (text: string, special: RegExp) => text.replace(special, (char) => `\\${char}`);

/** The fixed sets of values met so far: `_podio_auth_choices_N` is the Nth. */
type ChoiceSets = (readonly string[])[];

/** What zsh runs to complete a value. */
function zshAction(value: CompletionValue, choiceSets: ChoiceSets): string {
  switch (value.kind) {
    case 'profile':
      return '_podio_auth_profile_names';
    case 'file':
      return '_files';
    case 'command-name':
      // The program's own commands: those of command number 1.
      return '_podio_auth_describe 1';
    case 'command-line':
      return '_command_names -e';
    default:
      // A single space: nothing to offer, only the message.
      if (!value.choices.length) return ' ';
      choiceSets.push(value.choices);
      return `_podio_auth_choose ${choiceSets.length}`;
  }
}

function zshOptionSpecs(options: CompletionOption[], choiceSets: ChoiceSets): string[] {
  return options.flatMap((option) => {
    // `-h` and `--help` are one option: once one is given, neither is offered.
    const exclusions = option.names.length > 1 ? `(${option.names.join(' ')})` : '';
    const description = `[${zshEscape(option.description, /[\\\]:]/g)}]`;
    let value = '';
    if (option.value) {
      const message = zshEscape((option.names.at(-1) ?? '').replace(/^-+/, ''), /[\\:]/g);
      value = `:${message}:${zshAction(option.value, choiceSets)}`;
    }
    // `--format=`: the value may follow in the same word or the next; `-x+` likewise for a short option.
    const joiner = (name: string) => (option.value ? (name.startsWith('--') ? '=' : '+') : '');
    return option.names.map((name) => `${exclusions}${name}${joiner(name)}${description}${value}`);
  });
}

/** The specs of command number `number`: its options, then its subcommands or its argument. */
function zshSpecs(program: CompletionProgram, group: CommandGroup, number: number, choiceSets: ChoiceSets) {
  const specs = zshOptionSpecs(group.options, choiceSets);
  if (childrenOf(program, group.name).length) {
    specs.push(`1: :_podio_auth_describe ${number}`, '*:: :->command');
  } else if (group.argument?.kind === 'command-line') {
    specs.push('(-)1:command:_command_names -e', '*::arguments:_normal');
  } else if (group.argument) {
    specs.push(`1:argument:${zshAction(group.argument, choiceSets)}`);
  }
  return specs;
}

const zshArray = (name: string, words: readonly string[]) =>
  words.length ? `${name}=(\n${words.map((word) => `  ${shQuote(word)}\n`).join('')})\n` : `${name}=()\n`;

export function zshData(program: CompletionProgram): string {
  const groups = groupsOf(program);
  const choiceSets: ChoiceSets = [];
  const lines = [
    zshArray(
      '_podio_auth_commands',
      groups.map((group) => group.name),
    ),
    zshArray(
      '_podio_auth_command_lines',
      groups.filter((group) => group.argument?.kind === 'command-line').map((group) => group.name),
    ),
  ];
  groups.forEach((group, index) => {
    const number = index + 1;
    lines.push(zshArray(`_podio_auth_specs_${number}`, zshSpecs(program, group, number, choiceSets)));
    const children = childrenOf(program, group.name);
    const described = children.map((child) => `${zshEscape(leafOf(child), /[\\:]/g)}:${child.description}`);
    if (described.length) lines.push(zshArray(`_podio_auth_subcommands_${number}`, described));
  });
  choiceSets.forEach((choices, index) => {
    lines.push(zshArray(`_podio_auth_choices_${index + 1}`, choices));
  });
  return lines.join('');
}
