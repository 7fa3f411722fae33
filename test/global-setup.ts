import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Marks, in vitest's own process, that this run has built: each project runs its global setup, and once is enough. */
const BUILT = Symbol.for('podio-auth.test.built');

/**
 * Builds before any test runs, so that the tests that run the launcher (bin/ → dist/) can never test an older
 * build than the source next to them, whoever starts vitest (npm test, npx vitest, an editor).
 */
export default function setup(): void {
  const scope = globalThis as { [BUILT]?: boolean };
  if (scope[BUILT]) return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  // dist/ module by module (as tsc writes it, without types) and the launcher's bundles, in about a second.
  execFileSync(process.execPath, ['scripts/build.mjs', '--transpile'], { cwd: root, stdio: 'inherit' });
  scope[BUILT] = true;
}
