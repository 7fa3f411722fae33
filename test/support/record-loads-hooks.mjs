// The resolve hook record-loads.mjs installs: each resolved module URL is appended to the file it was given. Works
// both as an asynchronous hook (module.register) and as a synchronous one (module.registerHooks).
import { appendFileSync } from 'node:fs';

let file;

export function initialize(data) {
  file = data;
}

export function resolve(specifier, context, nextResolve) {
  const record = (resolved) => {
    appendFileSync(file, `${resolved.url}\n`);
    return resolved;
  };
  const resolved = nextResolve(specifier, context);
  return resolved instanceof Promise ? resolved.then(record) : record(resolved);
}
