/**
 * The options of the commands the launcher's fast path also answers (`token`, `exec`, `export`), declared once:
 * commander's definitions are built from this table and the fast path parses with it, so the two cannot disagree
 * on a name, on whether an option takes a value, or on the values it accepts. Free of commander, so the fast
 * bundles load it as it is.
 */
import { EXPORT_FORMATS } from '../ui/env-format.js';

export interface OptionSpec {
  /** As commander reads it: `--name` for a switch, `--name <value>` for an option with a value. */
  flags: string;
  description: string;
  /** The only values accepted (commander says which, the fast path leaves any other to it). */
  choices?: readonly string[];
  default?: string;
  /** A whole number of at least this (commander checks it; the fast path answers no such option). */
  wholeNumberFrom?: number;
}

export const OPTION_SPECS = {
  profile: {
    flags: '--profile <name>',
    description: 'profile to use (default: $PODIO_PROFILE, then `profiles use`, then "default")',
  },
  json: { flags: '--json', description: 'print the token with its expiry as JSON' },
  minTtl: {
    flags: '--min-ttl <seconds>',
    description: 'refresh first unless the token lives at least this long',
    wholeNumberFrom: 0,
  },
  format: { flags: '--format <format>', description: 'output format', choices: EXPORT_FORMATS, default: 'dotenv' },
  reveal: { flags: '--reveal', description: 'print the secrets even when stdout is a terminal' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTION_SPECS;

/** Each command's options, in the order its help lists them. */
export const COMMAND_OPTIONS = {
  token: ['profile', 'json', 'minTtl'],
  exec: ['profile', 'minTtl'],
  export: ['profile', 'format', 'reveal'],
} as const satisfies Record<string, readonly OptionName[]>;

export type FastCommandName = keyof typeof COMMAND_OPTIONS;

/** What a command line gave: a value, or `true` for a switch. */
export type GivenOptions = Partial<Record<OptionName, string | true>>;

const longFlag = (spec: OptionSpec): string => spec.flags.split(' ')[0] ?? spec.flags;
const takesValue = (spec: OptionSpec): boolean => spec.flags.includes(' <');

/**
 * A command's own words (after its name, before any `--`) read by the table, for the plain forms: `--name`,
 * `--name value`, `--name=value`. Null for anything else — an unknown word, a missing or empty value, a value that
 * looks like an option, one not among the choices: the full CLI reads or refuses those and says why.
 */
export function parseOptions(command: FastCommandName, words: readonly string[]): GivenOptions | null {
  const given: GivenOptions = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const equals = word.startsWith('--') ? word.indexOf('=') : -1;
    const flag = equals === -1 ? word : word.slice(0, equals);
    const name = COMMAND_OPTIONS[command].find((candidate) => longFlag(OPTION_SPECS[candidate]) === flag);
    if (name === undefined) return null;
    const spec: OptionSpec = OPTION_SPECS[name];
    if (!takesValue(spec)) {
      if (equals !== -1) return null;
      given[name] = true;
      continue;
    }
    const value = equals === -1 ? words[++i] : word.slice(equals + 1);
    if (value === undefined || value === '' || (equals === -1 && value.startsWith('-'))) return null;
    if (spec.choices && !spec.choices.includes(value)) return null;
    given[name] = value;
  }
  return given;
}

/** Whether a command line gave only options of `answered` (the ones a fast command knows how to answer). */
export function givesOnly(given: GivenOptions, answered: readonly OptionName[]): boolean {
  return Object.keys(given).every((name) => answered.includes(name as OptionName));
}
