import { Argument, type Command, type Option } from '@commander-js/extra-typings';
import {
  type CompletionOption,
  type CompletionProgram,
  completionKindOf,
  completionScript,
  SHELLS,
} from '../completion.js';
import type { StoreSnapshot } from '../store/port.js';
import { checkProfileName } from '../store/profile-names.js';
import type { App } from './shared.js';

/** The commands and options as the completion scripts need them: what `--help` shows, and the marks of `completeAs`. */
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
    name: program.name(),
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

/**
 * How long a Tab may wait for the profile names, all told. The lookup runs at every Tab after `--profile`: a store
 * that does not answer (a silent Redis, one behind a VPN that is down) gives no names after this, rather than
 * freezing the shell for the whole HTTP timeout.
 */
export const COMPLETION_BOUND_MS = 1_000;

/** The stored profile names, for completion: valid names only (nothing a shell would interpret), never a secret. */
async function profileNames(app: App): Promise<string[]> {
  // A timer of our own, not AbortSignal.timeout: that one is only weakly held, and inside AbortSignal.any it may be
  // collected before it fires.
  const bound = new AbortController();
  const timer = setTimeout(() => bound.abort(), COMPLETION_BOUND_MS);
  const signal = AbortSignal.any([app.deps.signal, bound.signal]);
  // The store stops on the signal; the race makes sure of the bound whatever a store does with it.
  const gaveUp = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  gaveUp.catch(() => undefined);
  let snapshot: StoreSnapshot;
  try {
    snapshot = await Promise.race([app.deps.store.read(signal), gaveUp]);
  } finally {
    clearTimeout(timer);
  }
  const names = [...snapshot.profiles.keys()];
  return names
    .filter((name) => {
      try {
        return checkProfileName(name) === name;
      } catch {
        return false;
      }
    })
    .sort();
}

export function registerCompletion(program: Command, app: App): void {
  program
    .command('completion')
    .description('print a shell completion script (see docs/completion.md for how to install it)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action((shell) => app.run(() => app.out(completionScript(shell, describeCommands(program)))));

  // For the completion scripts: the stored profile names, one a line. Quiet and exit 0 whatever happens, since it
  // runs at every Tab.
  program
    .command('__complete', { hidden: true })
    .argument('[what]')
    .allowExcessArguments()
    .allowUnknownOption()
    .action((what) =>
      app.run(async () => {
        if (what !== 'profiles') return;
        const names = await profileNames(app).catch(() => []);
        await app.out(names.map((name) => `${name}\n`).join('')).catch(() => undefined);
      }),
    );
}
