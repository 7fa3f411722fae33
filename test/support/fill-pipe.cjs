// Fills its standard output, a pipe (or socket) it shares with a command started next, and keeps it full until the
// reader drains it: Node makes it non-blocking, as any other Node process writing to it would. Says "full" on fd 3
// once it takes no more; writes 4 MiB in all, far more than a paused reader buffers, then ends.
'use strict';
const { writeSync } = require('node:fs');

const chunk = '~'.repeat(64 * 1024);
let chunks = 0;
const fill = () => {
  while (chunks < 64) {
    chunks++;
    if (!process.stdout.write(chunk)) return false;
  }
  return true;
};
if (fill()) throw new Error('4 MiB taken at once: nothing to fill');
writeSync(3, 'full\n');
process.stdout.on('drain', () => {
  if (fill()) process.stdout.write('', () => process.exit(0));
});
