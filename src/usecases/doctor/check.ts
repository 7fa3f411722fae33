/** One line of doctor's checklist, and its hint. */

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
}

export function check(name: string, status: CheckStatus, detail: string, hint?: string): Check {
  return hint === undefined ? { name, status, detail } : { name, status, detail, hint };
}

/** The checks that say what `--fix` left alone, and why: the command shows them on stderr. */
export const LEFT_ALONE = 'fix-skipped';
