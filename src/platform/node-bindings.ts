/**
 * Two of Node's internals, reached through `process.binding`, which Node keeps for a fixed list of them. The
 * commands scripts run in loops use them where the public module costs more than the work: `node:tty` loads
 * `node:net` (about 1.5 ms) to answer "is fd 1 a terminal?", and `node:child_process` loads more than that to
 * start a command. Each use has the public module as its fallback.
 */

interface ProcessWithBindings {
  binding: (name: string) => unknown;
}

/**
 * Whether the internals can be used without a word: Node has `process.binding`, no deprecation flag is on
 * (`--pending-deprecation` makes every call to it print a warning; `--throw-deprecation` would make that throw),
 * and Node's permission model is off (it refuses `process.binding` even where it allows child processes).
 */
export function nodeBindingsQuiet(env: Record<string, string | undefined> = process.env): boolean {
  if (typeof (process as unknown as Partial<ProcessWithBindings>).binding !== 'function') return false;
  if ((process as { permission?: unknown }).permission !== undefined) return false;
  const flags = [...process.execArgv, env['NODE_OPTIONS'] ?? ''].join(' ');
  return env['NODE_PENDING_DEPRECATION'] !== '1' && !/deprecation/.test(flags);
}

/** One of the internals; call only where `nodeBindingsQuiet()`. */
export function nodeBinding<T>(name: 'process_wrap' | 'tty_wrap'): T {
  return (process as unknown as ProcessWithBindings).binding(name) as T;
}

/** `tty.isatty(fd)`, without loading `node:tty` where the internal it calls can be reached directly. */
export function isTerminal(fd: number): boolean {
  // As tty.isatty checks before it calls the internal, which aborts the process on anything else.
  if (!Number.isInteger(fd) || fd < 0 || fd > 2147483647) return false;
  if (nodeBindingsQuiet()) return nodeBinding<{ isTTY(fd: number): boolean }>('tty_wrap').isTTY(fd);
  return process.getBuiltinModule('node:tty').isatty(fd);
}
