import type { Command } from '@commander-js/extra-typings';
import { usageError } from '../errors.js';
import { formatVariables, ROTATION_WARNING } from '../ui/env-format.js';
import { exportProfile } from '../usecases/export.js';
import { type App, withTableOptions } from './shared.js';

export function registerExport(program: Command, app: App): void {
  withTableOptions(
    program
      .command('export')
      .description('print what a CI job needs to get tokens (client credentials and refresh token, or the app pair)'),
    'export',
  ).action((options) =>
    app.run(async () => {
      if (app.deps.stdout.isTTY && !options.reveal) {
        throw usageError(
          'export prints secrets, and standard output is a terminal.',
          'Redirect or pipe it (e.g. `| gh secret set -f -`), or pass --reveal to show them here.',
        );
      }
      const result = await exportProfile(options, app.deps);
      if (result.exportsRefreshToken) {
        (await app.ui()).warn(ROTATION_WARNING);
      }
      await app.out(formatVariables(result.variables, options.format));
    }),
  );
}
