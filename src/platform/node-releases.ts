/**
 * Node.js release lines as the Node.js release schedule gives them (github.com/nodejs/Release, schedule.json):
 * when each line became LTS and when it reaches end of life. `doctor` judges the running Node by it. Add a line
 * when Node announces one; a line missing here is reported as untested, never as unsupported.
 */
export interface NodeReleaseLine {
  readonly major: number;
  /** The first day of Long Term Support; odd lines up to 25 never had any. */
  readonly ltsStart?: string;
  readonly endOfLife: string;
}

export const NODE_RELEASE_LINES: readonly NodeReleaseLine[] = [
  { major: 18, ltsStart: '2022-10-25', endOfLife: '2025-04-30' },
  { major: 19, endOfLife: '2023-06-01' },
  { major: 20, ltsStart: '2023-10-24', endOfLife: '2026-04-30' },
  { major: 21, endOfLife: '2024-06-01' },
  { major: 22, ltsStart: '2024-10-29', endOfLife: '2027-04-30' },
  { major: 23, endOfLife: '2025-06-01' },
  { major: 24, ltsStart: '2025-10-28', endOfLife: '2028-04-30' },
  { major: 25, endOfLife: '2026-06-01' },
  { major: 26, ltsStart: '2026-10-28', endOfLife: '2029-04-30' },
  { major: 27, ltsStart: '2027-10-20', endOfLife: '2030-04-30' },
];

/** The majors `.ci/run` runs the tests on (a test keeps the two lists equal). */
export const TESTED_NODE_MAJORS: readonly number[] = [20, 22, 24, 26];

/** The newest line that is LTS on `now`: the one to move to. */
export function newestLts(now: Date): NodeReleaseLine | undefined {
  const day = now.toISOString().slice(0, 10);
  return NODE_RELEASE_LINES.filter(
    (line) => line.ltsStart !== undefined && line.ltsStart <= day && day < line.endOfLife,
  ).at(-1);
}
