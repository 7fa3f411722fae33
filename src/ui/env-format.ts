import { usageError } from '../errors.js';

/** Variables as `export` prints them: dotenv (also `gh secret set -f -`), shell (sh, bash, zsh, fish), or JSON. */

export const EXPORT_FORMATS = ['dotenv', 'shell', 'json', 'github'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Characters no shell, dotenv reader or godotenv gives a meaning to: such a value can stand bare. */
const INERT = /^[A-Za-z0-9_\-.:/@+=]+$/;

/**
 * Single quotes, with each ' written as '\'' (dotenv, github): inside them a POSIX shell expands nothing ($(…),
 * backticks, $VAR and \ are literal), so `eval "$(podio-auth export)"` and `source` give back the value and run
 * nothing.
 */
function singleQuoted(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * `--format shell`, for sh, bash, zsh and fish alike: single-quoted runs, inside which none of them expands anything,
 * and between them each ' written as "'" and each \ as "\\". Inside fish's single quotes \' and \\ are escapes (in
 * POSIX shells' they are not), so neither may stand there: a value with \' would end the quotes early in fish.
 */
function shellQuoted(value: string): string {
  if (value === '') return "''";
  const part = (run: string) => (run === "'" ? `"'"` : run === '\\' ? '"\\\\"' : `'${run}'`);
  return value
    .split(/(['\\])/)
    .filter((run) => run !== '')
    .map(part)
    .join('');
}

/**
 * What each format cannot carry, and why. Every format but JSON ends in an environment variable, which cannot hold
 * a NUL; a lone surrogate would not survive as UTF-8. `github` is read by `gh secret set -f`, whose dotenv parser
 * (godotenv) takes a single-quoted value literally but ends it at the first ' not preceded by \, turns \r\n into
 * \n, and drops ' at either end: a value with ' or a line break, or ending in \, would come back changed.
 */
function whyNotCarried(value: string, format: ExportFormat): string | undefined {
  if (format === 'json') return undefined;
  if (value.includes('\u0000')) return 'a NUL character, which no environment variable can hold';
  if (/\p{Cs}/u.test(value)) return 'a lone UTF-16 surrogate, which has no UTF-8 form';
  if (format !== 'github') return undefined;
  if (value.includes("'")) return "a single quote, which gh's dotenv reader cannot take back unchanged";
  if (/[\r\n]/.test(value)) return "a line break, which gh's dotenv reader cannot take back unchanged";
  if (value.endsWith('\\')) return "a final backslash, which gh's dotenv reader cannot take back unchanged";
  return undefined;
}

function checkCarried(variables: [string, string][], format: ExportFormat): void {
  for (const [name, value] of variables) {
    const why = whyNotCarried(value, format);
    if (why) {
      // The value is a secret: the message names the variable only.
      throw usageError(
        `The --format ${format} output cannot carry ${name} safely: its value contains ${why}.`,
        format === 'github'
          ? 'Use `--format json` (and set the secret from it), or log in again for a new token.'
          : 'Use `--format json`, or log in again for a new token.',
      );
    }
  }
}

/**
 * The variables in a format, or a usage error when a value cannot be carried by it unchanged. In the formats a
 * shell may read (dotenv, shell, github), a value is bare only when every character is inert, else single-quoted.
 */
export function formatVariables(variables: [string, string][], format: ExportFormat): string {
  checkCarried(variables, format);
  const value = (text: string) => (INERT.test(text) ? text : singleQuoted(text));
  switch (format) {
    case 'json':
      return `${JSON.stringify(Object.fromEntries(variables), null, 2)}\n`;
    case 'shell':
      return variables.map(([name, text]) => `export ${name}=${shellQuoted(text)}\n`).join('');
    case 'dotenv':
    case 'github':
      return variables.map(([name, text]) => `${name}=${value(text)}\n`).join('');
  }
}

export const ROTATION_WARNING =
  'Podio may rotate refresh tokens: once this one is used, here or in CI, the other copy may stop working, and a CI secret is not updated by itself. For unattended jobs, an app login (`podio-auth login --app <app_id>`) is the sturdier choice.';
