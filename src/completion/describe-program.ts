/**
 * The program's commands and options as the completion scripts need them: what `--help` shows, and the marks of
 * `completeAs`.
 */
import type { Command, Option } from '@commander-js/extra-typings';
import { type CompletionOption, type CompletionProgram, completionKindOf } from './program.js';

export function describeCommands(program: Command): CompletionProgram {
  const help = program.createHelp();
  const describeOption = (option: Option): CompletionOption => ({
    names: [option.short, option.long].filter((name): name is string => Boolean(name)),
    description: option.description,
    value:
      option.required || option.optional
        ? { choices: option.argChoices ?? [], kind: completionKindOf(option) }
        : undefined,
  });
  const programOptions = help
    .visibleOptions(program as never)
    .map((option) => describeOption(option as unknown as Option));
  // Options of the program are taken after a command too (`token --debug`), except help, which each has its own.
  const inherited = programOptions.filter((option) => !option.names.includes('--help'));
  const describe = (command: Command, name: string) => {
    const argument = command.registeredArguments[0];
    return {
      name,
      description: command.description().split('\n')[0] ?? '',
      options: [
        ...help.visibleOptions(command as never).map((option) => describeOption(option as unknown as Option)),
        ...inherited,
      ],
      argument:
        name === 'help'
          ? { choices: [], kind: 'command-name' as const }
          : argument && { choices: argument.argChoices ?? [], kind: completionKindOf(argument) },
    };
  };
  return {
    options: programOptions,
    commands: help.visibleCommands(program as never).flatMap((raw) => {
      const command = raw as unknown as Command;
      return [
        describe(command, command.name()),
        ...help
          .visibleCommands(raw)
          .map((sub) => describe(sub as unknown as Command, `${command.name()} ${sub.name()}`)),
      ];
    }),
  };
}
