import type { Command } from '@commander-js/extra-typings';
import { sanitizeForTerminal as shown } from '../domain/terminal-text.js';
import { usageError } from '../errors.js';
import { storeChoice } from '../store/open-store.js';
import { readAllStdin } from '../ui/prompt.js';
import { type App, profileOption } from './shared.js';

export function registerImport(program: Command, app: App): void {
  program
    .command('import')
    .description('store a login that `export --format json` printed, read from standard input, as a profile')
    .addOption(profileOption())
    .option(
      '--store <store>',
      'where it goes: file, keyring or redis://host:port/db (default: where the profile is, else $PODIO_AUTH_STORE)',
    )
    .option('--force', 'replace a profile that already holds another login')
    .action((options) =>
      app.run(async () => {
        const store = options.store === undefined ? undefined : storeChoice(options.store, '--store');
        if (app.deps.stdin.isTTY) {
          throw usageError(
            'import reads a login from standard input, and standard input is a terminal.',
            'Pipe it in: `podio-auth export --format json | podio-auth import --store redis://host:6379/0`.',
          );
        }
        const text = await readAllStdin(app.deps.stdin, app.deps.signal);
        const { importProfile } = await import('../usecases/import.js');
        const result = await importProfile({ profile: options.profile, store, force: options.force, text }, app.deps);
        const ui = await app.ui();
        const what = result.login === 'app' ? 'app login' : 'login';
        ui.success(
          `Imported the ${what} as profile "${shown(result.profile)}" into ${result.storedIn}` +
            `${result.pointerIn ? ` (${result.pointerIn} points there)` : ''}; the first \`podio-auth token\` fetches an access token.`,
        );
        if (result.replaced)
          ui.warn(`The login profile "${shown(result.profile)}" held before was replaced (--force).`);
        if (result.login === 'refresh_token' && !result.moved) {
          ui.warn(
            'Podio may rotate refresh tokens: from now on use this login only through this store. Where it came from, ' +
              'log it out (`podio-auth logout`), or the first of the two copies to refresh leaves the other dead.',
          );
        }
      }),
    );
}
