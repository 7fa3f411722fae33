import { InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { completeAs } from '../completion/program.js';
import type { Deps } from '../deps.js';
import type { Messages } from '../ui/messages.js';
import { writeData } from '../ui/output.js';
import type { TokenDeps } from '../usecases/get-token.js';

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
  completeAs(
    new Option('--profile <name>', 'profile to use (default: $PODIO_PROFILE, then `profiles use`, then "default")'),
    'profile',
  );

/** Podio's tokens live 8 hours; the bound itself is checked by the use case, before any request. */
export const minTtlOption = () =>
  new Option('--min-ttl <seconds>', 'refresh first unless the token lives at least this long').argParser(
    integer('--min-ttl', 0),
  );

export const jsonOption = (what: string) => new Option('--json', `print ${what} as JSON`);

/**
 * Inside GitHub Actions, asks the runner to mask the token in the job's log. The runner reads workflow commands
 * from stderr as well as stdout, so the command goes to stderr, before anything else, and `$(podio-auth token)`
 * captures only the token.
 */
export function maskInGitHubActions(deps: Deps, secret: string): void {
  if (deps.env['GITHUB_ACTIONS'] === 'true' && secret) deps.stderr.write(`::add-mask::${secret}\n`);
}
