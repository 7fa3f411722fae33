/**
 * `tty.isatty(fd)`, with `node:tty` loaded only when asked: the launcher's fast path answers most calls without
 * asking at all.
 */
export function isTerminal(fd: number): boolean {
  return process.getBuiltinModule('node:tty').isatty(fd);
}
