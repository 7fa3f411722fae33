import { Argument, type Command } from '@commander-js/extra-typings';
import { completionScript, SHELLS, type CompletionCommand } from '../completion.js';
import type { App } from './shared.js';

/** The commands and options, as the completion scripts need them. */
export function describeCommands(program: Command): CompletionCommand[] {
  const describe = (command: Command, name: string): CompletionCommand => ({
    name,
    description: command.description().split('\n')[0] ?? '',
    options: command.options
      .filter((option) => option.long && !option.hidden)
      .map((option) => ({
        flag: option.long as string,
        description: option.description,
        takesValue: option.required || option.optional,
        choices: option.argChoices,
      })),
    argumentChoices: command.registeredArguments[0]?.argChoices ?? [],
  });
  return (program.commands as unknown as Command[])
    .filter((command) => command.name() !== 'help')
    .flatMap((command) => [
      describe(command, command.name()),
      ...(command.commands as unknown as Command[]).map((sub) => describe(sub, `${command.name()} ${sub.name()}`)),
    ]);
}

export function registerCompletion(program: Command, app: App): void {
  program
    .command('completion')
    .description('print a shell completion script (see the README for how to install it)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action((shell) => app.run(() => app.out(completionScript(shell, describeCommands(program)))));
}
