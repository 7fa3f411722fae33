import { type Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { completeAs } from '../completion/program.js';
import type { Deps } from '../deps.js';
import type { Messages } from '../ui/messages.js';
import { writeData } from '../ui/output.js';
import type { TokenDeps } from '../usecases/get-token.js';
import {
  COMMAND_OPTIONS,
  type FastCommandName,
  OPTION_SPECS,
  type OptionName,
  type OptionSpec,
} from './fast-options.js';

/** What every command gets: the side effects, messages (made on first use), and the runner that sets the exit code. */
export interface App {
  deps: Deps;
  ui: () => Promise<Messages>;
  /** Runs a command's work; a command that decides its own exit code (`exec`, `doctor`) returns it. */
  // biome-ignore lint/suspicious/noConfusingVoidType: most commands return nothing; `exec` and `doctor` a code.
  run: (work: () => Promise<number | void>) => Promise<void>;
  /** Data for stdout, and only data. */
  out: (text: string) => Promise<void>;
}

export function createApp(deps: Deps, ui: () => Promise<Messages>, setExitCode: (code: number) => void): App {
  return {
    deps,
    ui,
    run: async (work) => setExitCode((await work()) ?? 0),
    out: (text) => writeData(deps.stdout, text),
  };
}

/** What the token use cases need, with warnings going to the user. */
export function tokenDeps(app: App): TokenDeps {
  return { ...app.deps, warn: (text) => void app.ui().then((ui) => ui.warn(text)) };
}

/** A whole number from `min` to `max` (no `max`: any size, left for the use case to judge). */
export function integer(name: string, min: number, max?: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
      const range = max === undefined ? `of ${min} or more` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`${name} must be a whole number ${range}.`);
    }
    return n;
  };
}

export const profileOption = () =>
  completeAs(new Option(OPTION_SPECS.profile.flags, OPTION_SPECS.profile.description), 'profile');

/** What commander gives a command whose options come from the table: absent unless given, but for a default. */
type OptionValue<S> = S extends { choices: readonly (infer C)[] }
  ? C
  : S extends { wholeNumberFrom: number }
    ? number
    : S extends { flags: `${string} <${string}>` }
      ? string
      : true;
type ValuesOf<Names extends OptionName> = {
  [N in Names as (typeof OPTION_SPECS)[N] extends { default: string } ? N : never]: OptionValue<
    (typeof OPTION_SPECS)[N]
  >;
} & {
  [N in Names as (typeof OPTION_SPECS)[N] extends { default: string } ? never : N]?:
    | OptionValue<(typeof OPTION_SPECS)[N]>
    | undefined;
};
export type CommandOptions<C extends FastCommandName> = ValuesOf<(typeof COMMAND_OPTIONS)[C][number]>;

/** A commander option as the table declares it. */
function tableOption(name: OptionName) {
  const spec: OptionSpec = OPTION_SPECS[name];
  const option = new Option(spec.flags, spec.description);
  if (spec.choices) option.choices(spec.choices);
  if (spec.default !== undefined) option.default(spec.default);
  if (spec.wholeNumberFrom !== undefined) option.argParser(integer(option.long ?? name, spec.wholeNumberFrom));
  return name === 'profile' ? completeAs(option, 'profile') : option;
}

/** `command` with the options the table gives it, typed as commander will hand them to its action. */
export function withTableOptions<C extends FastCommandName>(command: Command, name: C): Command<[], CommandOptions<C>> {
  for (const option of COMMAND_OPTIONS[name]) command.addOption(tableOption(option));
  // The table is what commander was just given; its types follow from the same table.
  return command as unknown as Command<[], CommandOptions<C>>;
}

export const jsonOption = (what: string) => new Option('--json', `print ${what} as JSON`);

/**
 * Inside GitHub Actions, asks the runner to mask the token in the job's log. The runner reads workflow commands
 * from stderr as well as stdout, so the command goes to stderr, before anything else, and `$(podio-auth token)`
 * captures only the token.
 */
export function maskInGitHubActions(deps: Deps, secret: string): void {
  if (deps.env['GITHUB_ACTIONS'] === 'true' && secret) deps.stderr.write(`::add-mask::${secret}\n`);
}
