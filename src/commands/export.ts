import { type Command, Option } from '@commander-js/extra-typings';
import { usageError } from '../errors.js';
import { exportProfile } from '../usecases/export.js';
import { type App, profileOption } from './shared.js';

export const EXPORT_FORMATS = ['dotenv', 'shell', 'json', 'github'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A value as dotenv readers (and `gh secret set -f`) take it: bare when safe, else double-quoted. */
function dotenvValue(value: string): string {
  return /^[A-Za-z0-9_\-.:/@+=]*$/.test(value) ? value : JSON.stringify(value);
}

/** A value for a POSIX shell: single quotes, with each ' written as '\''. */
function shellValue(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function formatVariables(variables: [string, string][], format: ExportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(Object.fromEntries(variables), null, 2)}\n`;
    case 'shell':
      return variables.map(([name, value]) => `export ${name}=${shellValue(value)}\n`).join('');
    case 'dotenv':
    case 'github':
      return variables.map(([name, value]) => `${name}=${dotenvValue(value)}\n`).join('');
  }
}

export function registerExport(program: Command, app: App): void {
  program
    .command('export')
    .description('print what a CI job needs to get tokens (client credentials and refresh token, or the app pair)')
    .addOption(profileOption())
    .addOption(new Option('--format <format>', 'output format').choices(EXPORT_FORMATS).default('dotenv' as const))
    .option('--reveal', 'print the secrets even when stdout is a terminal')
    .action((options) =>
      app.run(async () => {
        if (app.deps.stdout.isTTY && !options.reveal) {
          throw usageError(
            'export prints secrets, and standard output is a terminal.',
            'Redirect or pipe it (e.g. `| gh secret set -f -`), or pass --reveal to show them here.',
          );
        }
        const result = await exportProfile(options, app.deps);
        if (result.exportsRefreshToken) {
          (await app.ui()).warn(
            'Podio may rotate refresh tokens: once this one is used, here or in CI, the other copy may stop working, and a CI secret is not updated by itself. For unattended jobs, an app login (`podio-auth login --app <app_id>`) is the sturdier choice.',
          );
        }
        await app.out(formatVariables(result.variables, options.format));
      }),
    );
}
