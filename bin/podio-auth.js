#!/usr/bin/env node
// The launcher. CommonJS (bin/package.json says so) because scripts call `podio-auth token` in loops: with a
// valid stored token it prints it after loading one small bundle, without the ES module loader, commander or
// anything else. Every other command line goes to the bundled CLI.
'use strict';

let fastToken;
try {
  ({ fastToken } = require('../dist/fast-token.cjs'));
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND') throw error;
  process.stderr.write('✗ podio-auth is not built yet.\nRun `npm ci` (or `npm run build`) in its folder first.\n');
  process.exit(1);
}

const token = fastToken(process.argv.slice(2), process.env, new Date());
if (token === undefined) {
  import('../dist/cli/cli.js').catch((error) => {
    process.stderr.write(
      `✗ podio-auth could not start: ${error.message}\nRun \`npm ci\` (or \`npm run build\`) in its folder.\n`,
    );
    process.exitCode = 1;
  });
} else {
  try {
    require('node:fs').writeSync(1, `${token}\n`);
  } catch (error) {
    // A closed, full or broken stdout: one line, exit 1 (and nothing at all if stderr is gone too).
    try {
      process.stderr.write(`✗ Could not write to standard output (${error.code || error.message}).\n`);
    } catch {
      // Nowhere to say it.
    }
    process.exitCode = 1;
  }
}
