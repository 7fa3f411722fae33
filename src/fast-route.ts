/**
 * Which of the fast bundles a command line belongs to, if any. The launcher writes the same rule out rather than
 * load a module to choose (test/e2e/launcher.test.ts checks that both choose alike); the bundle chosen still
 * decides whether it can answer.
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
