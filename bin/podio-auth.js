#!/usr/bin/env node
// The launcher. CommonJS (bin/package.json says so) because scripts call podio-auth in loops: `token`, `exec` and
// `export` with a valid stored login, and help off a terminal, are answered after loading one small bundle,
// without the ES module loader, commander or anything else. Every other command line goes to the bundled CLI.
'use strict';

const argv = process.argv.slice(2);

// Node 22.1+ keeps the compiled code of what it loads in a cache (module.enableCompileCache, documented), so that a
// command run in a loop does not compile the same bundles on every call. The cache is in this user's own cache
// directory, never a shared or another user's one (`sudo -E`): the code in it is run, so the directory it goes in
// must be this user's and writable by no one else. Older Node has no such function; a cache that cannot be used is
// passed over by Node itself, without a word.
function useCompileCache() {
  // Loading node:module to look for the function costs a Node 20 call (which has none) about 2 %: Node 20 is passed
  // over before that. Later lines are asked whether they have it.
  if (process.versions.node.startsWith('20.')) return;
  const { enableCompileCache } = require('node:module');
  if (typeof enableCompileCache !== 'function') return;
  const { XDG_CACHE_HOME: xdg, HOME: home } = process.env;
  const cacheHome = xdg?.startsWith('/') ? xdg : home?.startsWith('/') ? `${home}/.cache` : undefined;
  if (cacheHome === undefined) return;
  try {
    const owner = require('node:fs').statSync(cacheHome);
    if (owner.uid !== process.geteuid?.() || (owner.mode & 0o022) !== 0) return;
    enableCompileCache(`${cacheHome}/podio-auth/compile-cache`);
  } catch {
    // No cache then: everything is compiled as it is loaded.
  }
}
useCompileCache();

/**
 * What could not be loaded, in one line: not built (a hint to build), or not readable now (out of file
 * descriptors, say: the reason alone). Exit 1, written out: the table of exit codes is in what could not be loaded.
 */
function cannotStart(error, notBuilt) {
  process.stderr.write(
    notBuilt
      ? '✗ podio-auth is not built yet.\nRun `npm run build` in its folder first (after `npm ci`).\n'
      : `✗ podio-auth could not start: ${error.code || error.message}.\n`,
  );
  process.exit(1);
}

// One small bundle per fast command, chosen as src/fast-route.ts chooses (written out here so that nothing more is
// loaded to choose; test/e2e/launcher.test.ts holds the two together); the bundle decides whether it can answer.
const [first] = argv;
const end = argv.indexOf('--');
const own = end === -1 ? argv : argv.slice(0, end);
const which =
  first === 'help' || own.includes('--help') || own.includes('-h')
    ? 'help'
    : first === 'token' || first === 'exec' || first === 'export'
      ? first
      : undefined;
let fast;
if (which !== undefined) {
  try {
    fast = require(`../dist/fast-${which}.cjs`);
  } catch (error) {
    cannotStart(error, error.code === 'MODULE_NOT_FOUND');
  }
}

const { writeSync } = require('node:fs');
const answer = fast?.run(argv, {
  env: process.env,
  now: new Date(),
  stdoutIsTTY: () => fast.isTerminal(1),
  stderrIsTTY: () => fast.isTerminal(2),
  help: () => require('../dist/help.json'),
});

if (answer === undefined) {
  import('../dist/cli/cli.js').catch((error) => cannotStart(error, error.code === 'ERR_MODULE_NOT_FOUND'));
} else if (answer.kind === 'exec') {
  fast.runFastExec(answer).then((code) => {
    process.exitCode = code;
  });
} else {
  try {
    if (answer.stderr) writeSync(2, answer.stderr);
  } catch {
    // A closed stderr never stops the data.
  }
  try {
    writeSync(1, answer.stdout);
  } catch (error) {
    // A closed, full or broken stdout: one line, exit output_failed (and nothing at all if stderr is gone too).
    try {
      writeSync(2, `✗ Could not write to standard output (${error.code || error.message}).\n`);
    } catch {
      // Nowhere to say it.
    }
    process.exitCode = fast.OUTPUT_FAILED_EXIT;
  }
}
