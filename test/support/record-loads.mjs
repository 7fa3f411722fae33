// Preloaded with `node --import`: records the URL of every module the program loads, one a line, in the file that
// RECORD_LOADS names. Public module hooks only (module.register).
import { register } from 'node:module';

register('./record-loads-hooks.mjs', import.meta.url, { data: process.env.RECORD_LOADS });
