// The completion scripts (src/completion/podio-auth.bash, .zsh, .fish) are real files that the code imports as text.
// esbuild's text loader puts them in the bundles. The transpiled tree (build.mjs --transpile) keeps each module's
// imports as written, and Node cannot import a script file: a module that imports one is bundled on its own instead,
// the scripts inlined and every other import left as written. (vitest.config.ts does the same for the tests.)
import { readFileSync } from 'node:fs';

const SCRIPT = /\.(?:bash|zsh|fish)$/;

export const SHELL_SCRIPT_LOADER = { '.bash': 'text', '.zsh': 'text', '.fish': 'text' };

/** Does the source file at `path` import a shell script? */
export const importsShellScript = (path) => /from '[^']+\.(?:bash|zsh|fish)'/.test(readFileSync(path, 'utf8'));

/** For a module bundled on its own: only the scripts are inlined. */
export const inlineOnlyShellScripts = {
  name: 'inline-only-shell-scripts',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) =>
      args.kind === 'entry-point' || SCRIPT.test(args.path) ? undefined : { path: args.path, external: true },
    );
  },
};
