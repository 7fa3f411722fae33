/**
 * What the completion scripts know of the program: its commands, their options, and what each value or argument
 * completes to. Built from the commander program (describe-program.ts) so that the scripts never drift from it.
 */

/** What the value of an option completes to, beyond a fixed set of choices. */
export type ValueKind = 'profile' | 'file';
/**
 * What an argument completes to: also `command-line`, a command and its arguments (`exec`), completed as the
 * shell completes that command; and `command-name`, one of this program's commands (`help`).
 */
export type ArgumentKind = ValueKind | 'command-line' | 'command-name';

const kinds = new WeakMap<object, ArgumentKind>();

/**
 * Marks what an option's value (`profile`, `file`) or an argument completes to; the program's description for the
 * scripts reads it.
 */
export function completeAs<T extends object>(target: T, kind: ArgumentKind): T {
  kinds.set(target, kind);
  return target;
}

export function completionKindOf(target: object): ArgumentKind | undefined {
  return kinds.get(target);
}

export interface CompletionValue {
  /** The values it may take; empty when it is not a fixed set. */
  choices: readonly string[];
  kind: ArgumentKind | undefined;
}

export interface CompletionOption {
  /** `-h` and `--help`. */
  names: string[];
  description: string;
  /** What follows it, or undefined for a flag. */
  value: CompletionValue | undefined;
}

export interface CompletionCommand {
  /** `profiles use` for a subcommand. */
  name: string;
  description: string;
  /** Its own options and those it inherits (`--debug`). */
  options: CompletionOption[];
  /** Its first argument. */
  argument: CompletionValue | undefined;
}

/** The program, podio-auth: the scripts are written for that name. */
export interface CompletionProgram {
  /** The options taken before a command. */
  options: CompletionOption[];
  commands: CompletionCommand[];
}

/** The program itself (named '') or one of its commands: what may follow it. */
export interface CommandGroup {
  name: string;
  options: CompletionOption[];
  argument: CompletionValue | undefined;
}

export const groupsOf = (program: CompletionProgram): CommandGroup[] => [
  { name: '', options: program.options, argument: undefined },
  ...program.commands,
];
const parentOf = (command: CompletionCommand) => command.name.split(' ').slice(0, -1).join(' ');
/** `use` for `profiles use`. */
export const leafOf = (command: CompletionCommand) => command.name.split(' ').at(-1) ?? command.name;
/** The commands directly under `parent` ('' for the program's own). */
export const childrenOf = (program: CompletionProgram, parent: string) =>
  program.commands.filter((command) => parentOf(command) === parent);
