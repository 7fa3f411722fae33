import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TESTED_NODE_MAJORS } from '../../src/platform/node-releases.js';
import { checkNode } from '../../src/usecases/doctor/node.js';
import { runDoctor } from '../../src/usecases/doctor/run-doctor.js';
import { fakeDeps } from '../support/deps.js';
import { FakeMachine } from '../support/doctor-probes.js';

describe('doctor: the running Node', () => {
  it('judges Node versions by the release schedule: too old, past end of life, untested, or fine', () => {
    const before = new Date('2026-04-29T12:00:00Z');
    const after = new Date('2026-12-07T12:00:00Z');
    expect(checkNode('20.19.0', before)).toMatchObject({ status: 'ok' });
    expect(checkNode('20.18.3', before)).toMatchObject({
      status: 'fail',
      hint: 'podio-auth needs Node.js 20.19 or newer.',
    });
    expect(checkNode('20.20.2', after)).toEqual({
      name: 'node',
      status: 'warn',
      detail: 'Node.js 20.20.2: this line reached its end of life on 2026-04-30.',
      hint: 'Move to Node.js 26, the current LTS.',
    });
    // On the day Node 24 was the newest LTS, that is the one named.
    expect(checkNode('20.20.2', new Date('2026-05-01T00:00:00Z')).hint).toBe('Move to Node.js 24, the current LTS.');
    expect(checkNode('22.1.0', after)).toMatchObject({ status: 'ok', detail: 'Node.js 22.1.0' });
    expect(checkNode('24.22.3', after)).toMatchObject({ status: 'ok' });
    expect(checkNode('26.12.1', after)).toMatchObject({ status: 'ok' });
    expect(checkNode('25.9.0', after)).toMatchObject({ status: 'warn', detail: expect.stringContaining('2026-06-01') });
    expect(checkNode('23.11.0', new Date('2025-05-01T00:00:00Z'))).toMatchObject({
      status: 'info',
      detail: 'Node.js 23.11.0: podio-auth is not tested on Node.js 23 (tested: 20, 22, 24, 26).',
    });
    expect(checkNode('28.0.0', after)).toMatchObject({ status: 'info' });
  });

  it('names as tested exactly the Node versions CI runs the tests on', () => {
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    const majors = /^node_majors=\(([\d ]+)\)$/m.exec(ci)?.[1]?.split(' ').map(Number);
    expect(majors).toEqual(TESTED_NODE_MAJORS);
  });

  it('judges the Node the machine runs, not the one running the checks', async () => {
    const machine = new FakeMachine();
    machine.nodeVersion = '18.20.4';
    const { deps } = fakeDeps(async () => ({ status: 200, headers: {}, text: '' }));
    const report = await runDoctor({}, { ...deps, probes: machine.probes() }, 1_000);
    expect(report.checks[0]).toEqual({
      name: 'node',
      status: 'fail',
      detail: 'Node.js 18.20.4',
      hint: 'podio-auth needs Node.js 20.19 or newer.',
    });
    expect(report.ok).toBe(false);
  });
});
