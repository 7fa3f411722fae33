import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

/** Marks, in vitest's own process, that this run has built: each project runs its global setup, and once is enough. */
const BUILT = Symbol.for('podio-auth.test.built');

function build(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  // dist/ module by module (as tsc writes it, without types) and the launcher's bundles, in about a second.
  execFileSync(process.execPath, ['scripts/build.mjs', '--transpile'], { cwd: root, stdio: 'inherit' });
}

/**
 * Builds before any test runs, so that the tests that run the launcher (bin/ → dist/) can never test an older
 * build than the source next to them, whoever starts vitest (npm test, npx vitest, an editor); in watch mode,
 * again before every rerun.
 */
export default function setup(project: TestProject): void {
  const scope = globalThis as { [BUILT]?: boolean };
  if (scope[BUILT]) return;
  build();
  scope[BUILT] = true;
  project.onTestsRerun(build);
}
