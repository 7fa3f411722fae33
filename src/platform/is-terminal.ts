/**
 * `tty.isatty(fd)`, asked only when it matters. A pipe or a file (what a script gives) is no terminal, and `fstat`
 * says so without loading `node:tty`, which loads `node:net`: a cost `export` would pay on every call in a loop.
 */
export function isTerminal(fd: number): boolean {
  try {
    if (!process.getBuiltinModule('node:fs').fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    // Not an open descriptor: no terminal either.
    return false;
  }
  return process.getBuiltinModule('node:tty').isatty(fd);
}
