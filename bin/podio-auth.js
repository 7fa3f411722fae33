#!/usr/bin/env node
// The launcher. CommonJS (bin/package.json says so) because scripts call podio-auth in loops: `token`, `exec` and
// `export` with a valid stored login, and help off a terminal, are answered after loading one small bundle,
// without the ES module loader, commander or anything else. Every other command line goes to the bundled CLI.
'use strict';

const argv = process.argv.slice(2);

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

let which;
try {
  // One small bundle per fast command, chosen by the rule in src/fast-route.ts; the bundle itself decides whether
  // it can answer this command line.
  which = require('../dist/fast-route.cjs').fastBundleFor(argv);
} catch {
  // No fast path then: the full CLI answers, or says why it cannot.
}
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
