#!/usr/bin/env node
// The launcher. CommonJS (bin/package.json says so) because scripts call `podio-auth token` in loops: with a
// valid stored token it prints it after loading one small bundle, without the ES module loader, commander or
// anything else. Every other command line goes to the full CLI in cli.mjs.
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
  import('./cli.mjs');
} else {
  try {
    require('node:fs').writeSync(1, `${token}\n`);
  } catch (error) {
    // A reader that went away (`podio-auth token | head -c 10`) is not worth a stack trace.
    if (error.code !== 'EPIPE') throw error;
  }
}
