import { readFileSync } from 'node:fs';
import { isTerminal } from './node-bindings.js';

/**
 * Whether this process is in the foreground process group of its controlling terminal. A Ctrl-C (SIGINT) or
 * Ctrl-\ (SIGQUIT) typed there goes to every process in that group: to the command `exec` runs as well.
 */
export function inTerminalForeground(): boolean {
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    // No /proc (macOS, the BSDs): a terminal on standard input is the best sign there is.
    return isTerminal(0);
  }
  // After the command name, which may itself hold spaces and parentheses: state, ppid, pgrp, session, tty_nr,
  // tpgid (the terminal's foreground group).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [pgrp, ttyNr, foreground] = [fields[2], fields[4], fields[5]];
  return ttyNr !== '0' && pgrp !== undefined && pgrp === foreground;
}
