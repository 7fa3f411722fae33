import type { Command } from '@commander-js/extra-typings';
import { sanitizeForTerminal as shown } from '../domain/terminal-text.js';
import { logout } from '../usecases/logout.js';
import { type App, profileOption } from './shared.js';

export function registerLogout(program: Command, app: App): void {
  program
    .command('logout')
    .description("forget a profile's tokens and secrets, keeping its client id and origins for the next login")
    .addOption(profileOption())
    .option('--all', 'every profile')
    .option('--forget', 'remove the profile entirely (client id, origins, default) as well')
    .action((options) =>
      app.run(async () => {
        const result = await logout(options, app.deps);
        const ui = await app.ui();
        const what = options.forget ? 'removed' : 'logged out; its client id and origins are kept for the next login';
        if (result.done.length === 0) {
          ui.info(
            options.all
              ? 'There are no profiles; nothing to do.'
              : `There is no profile "${shown(result.missing ?? '')}"; nothing to do.`,
          );
        } else if (result.done.length === 1) {
          ui.success(`Profile "${shown(result.done[0] ?? '')}" ${what} (${result.location}).`);
        } else {
          ui.success(`${result.done.length} profiles ${what}: ${result.done.map((name) => shown(name)).join(', ')}.`);
        }
      }),
    );
}
