import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vitest/config';

/** The completion scripts, imported as text as esbuild's text loader does in the build (scripts/shell-scripts.mjs). */
const shellScriptsAsText: Plugin = {
  name: 'shell-scripts-as-text',
  enforce: 'pre',
  load(id) {
    if (!/\.(?:bash|zsh|fish)$/.test(id)) return null;
    return `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`;
  },
};

/**
 * The files that drive real outside programs or time real faults, and spend their time waiting on them: a global
 * install and a fresh `npm ci`, Chromium, Redis, a Secret Service, bash/zsh/fish, and processes stopped or killed
 * past their deadlines. Their names end in `.system.test.ts`. `npm run test:system` runs them (and `.ci/run` does,
 * after `npm test`).
 */
const SYSTEM = ['test/**/*.system.test.ts'];

export default defineConfig({
  plugins: [shellScriptsAsText],
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          // `npm test`: everything else, fast enough to run on every change.
          name: 'fast',
          include: ['test/**/*.test.ts'],
          exclude: SYSTEM,
          // Its files mostly wait on sockets, timers and short-lived processes: four at once keep two cores busy.
          maxWorkers: 4,
          // Loading the sources once per worker, not once per file, saves about a fifth of the suite's CPU. No test
          // here mocks a module or leaves a global changed.
          isolate: false,
          // `npx vitest run` runs both suites: this one first, then the system one (projects with different worker
          // counts must run in different groups).
          sequence: { groupOrder: 0 },
        },
      },
      // Real programs and real faults: two files at once suit two cores, and keep their timings honest.
      { extends: true, test: { name: 'system', include: SYSTEM, maxWorkers: 2, sequence: { groupOrder: 1 } } },
    ],
  },
});
