// Preloaded with `node --require`: records each of Node's own modules the program asks for, by require or by
// process.getBuiltinModule, one a line (without `node:`), in the file RECORD_BUILTINS names. The bundles take
// Node's modules no other way (test/e2e/launcher.test.ts, "the build").
'use strict';
const { appendFileSync } = require('node:fs');
const Module = require('node:module');

const file = process.env.RECORD_BUILTINS;
const record = (id) => {
  if (typeof id === 'string' && Module.isBuiltin(id)) appendFileSync(file, `${id.replace(/^node:/, '')}\n`);
};
const getBuiltinModule = process.getBuiltinModule;
process.getBuiltinModule = (id) => {
  record(id);
  return getBuiltinModule.call(process, id);
};
const load = Module.prototype.require;
Module.prototype.require = function require(id) {
  record(id);
  return load.call(this, id);
};
