import { readFileSync } from 'node:fs';
import { isTerminal } from './is-terminal.js';

/** Process group, controlling terminal and that terminal's foreground group, from /proc (Linux). */
function groupsOf(pid: number | 'self'): { group: string; terminal: string; foreground: string } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // After the command name, which may itself hold spaces and parentheses: state, ppid, pgrp, session, tty_nr,
  // tpgid (the terminal's foreground group).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [group, terminal, foreground] = [fields[2], fields[4], fields[5]];
  if (group === undefined || terminal === undefined || foreground === undefined) return undefined;
  return { group, terminal, foreground };
}

/**
 * Whether a Ctrl-C (SIGINT) or Ctrl-\ (SIGQUIT) that reached this process came from its terminal and reached the
 * command `pid` too: the terminal sends them to every process in its foreground group, so both must be in it. A
 * command that made a group of its own (setsid, `timeout`, a shell with job control) gets nothing from the terminal.
 */
export function terminalSignalReached(pid: number | undefined): boolean {
  const self = groupsOf('self');
  if (!self) {
    // No /proc (macOS, the BSDs): a terminal on standard input is the best sign there is.
    return isTerminal(0);
  }
  if (self.terminal === '0' || self.group !== self.foreground) return false;
  const command = pid === undefined ? undefined : groupsOf(pid);
  return command !== undefined && command.group === self.foreground;
}
