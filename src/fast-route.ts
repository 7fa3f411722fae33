/**
 * Which of the launcher's fast bundles a command line goes to, if any: the one rule, bundled on its own so the
 * launcher reads it before loading anything else. The bundle it names still decides whether it can answer.
 */
import type { FastCommandName } from './commands/fast-options.js';

export type FastBundle = FastCommandName | 'help';

export function fastBundleFor(argv: readonly string[]): FastBundle | undefined {
  const [first] = argv;
  // Only podio-auth's own words: what follows `--` belongs to the command `exec` runs (`ls -h`).
  const end = argv.indexOf('--');
  const own = end === -1 ? argv : argv.slice(0, end);
  if (first === 'help' || own.includes('--help') || own.includes('-h')) return 'help';
  return first === 'token' || first === 'exec' || first === 'export' ? first : undefined;
}
