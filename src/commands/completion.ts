import { Argument, type Command } from '@commander-js/extra-typings';
import { describeCommands } from '../completion/describe-program.js';
import { profileNames } from '../completion/profile-names.js';
import { completionScript, SHELLS } from '../completion/script.js';
import type { App } from './shared.js';

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
        const names = await profileNames(app.deps).catch(() => []);
        await app.out(names.map((name) => `${name}\n`).join('')).catch(() => undefined);
      }),
    );
}
