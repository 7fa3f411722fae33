/** Variables as `export` prints them: dotenv (also `gh secret set -f -`), POSIX shell, or JSON. */

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

export const ROTATION_WARNING =
  'Podio may rotate refresh tokens: once this one is used, here or in CI, the other copy may stop working, and a CI secret is not updated by itself. For unattended jobs, an app login (`podio-auth login --app <app_id>`) is the sturdier choice.';
