// Preloaded with `node --import`: records the URL of every module the program loads, one a line, in the file that
// RECORD_LOADS names. Public module hooks only: registerHooks where Node has it (module.register is deprecated
// from Node 26), else module.register (Node 20).
import * as nodeModule from 'node:module';
import { initialize, resolve } from './record-loads-hooks.mjs';

const file = process.env.RECORD_LOADS;
if (typeof nodeModule.registerHooks === 'function') {
  initialize(file);
  nodeModule.registerHooks({ resolve });
} else {
  nodeModule.register('./record-loads-hooks.mjs', import.meta.url, { data: file });
}
