import { NODE_RELEASE_LINES, newestLts, TESTED_NODE_MAJORS } from '../../platform/node-releases.js';
import { type Check, check } from './check.js';

/**
 * The running Node: too old to run podio-auth (fail), past its end of life (warn, with the LTS to move to), or a
 * line the tests never ran on (a note). Judged by the release schedule in node-releases.ts.
 */
export function checkNode(version: string, now: Date): Check {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const detail = `Node.js ${version}`;
  if (major < 20 || (major === 20 && minor < 19)) {
    return check('node', 'fail', detail, 'podio-auth needs Node.js 20.19 or newer.');
  }
  const line = NODE_RELEASE_LINES.find((known) => known.major === major);
  const day = now.toISOString().slice(0, 10);
  if (line && line.endOfLife <= day) {
    const lts = newestLts(now);
    const moveTo = lts ? `Move to Node.js ${lts.major}, the current LTS.` : 'Move to a current Node.js LTS.';
    return check('node', 'warn', `${detail}: this line reached its end of life on ${line.endOfLife}.`, moveTo);
  }
  if (!TESTED_NODE_MAJORS.includes(major)) {
    const tested = TESTED_NODE_MAJORS.join(', ');
    return check('node', 'info', `${detail}: podio-auth is not tested on Node.js ${major} (tested: ${tested}).`);
  }
  return check('node', 'ok', detail);
}
