import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/usecases/doctor/run-doctor.js';
import { fakeDeps } from '../support/deps.js';
import { FakeMachine } from '../support/doctor-probes.js';

describe("doctor's report", () => {
  it('runs every group in the order the report shows, seeing the machine only through its probes', async () => {
    const machine = new FakeMachine();
    machine.takenPorts.set(8080, 'EADDRINUSE');
    const date = new Date('2026-01-01T00:10:00Z').toUTCString();
    const { deps, dir } = fakeDeps(async () => ({ status: 404, headers: { date }, text: '' }), {
      PODIO_AUTH_URL: 'http://127.0.0.1:9',
      PODIO_API_URL: 'http://127.0.0.1:9',
    });
    const report = await runDoctor({ port: 8080 }, { ...deps, probes: machine.probes() }, 1_000);
    expect(report.checks.map((item) => `${item.name}:${item.status}`)).toEqual([
      'node:ok',
      // The config dir exists on disk, but not on the machine the probes show.
      'config:info',
      'bind-ipv4:ok',
      'bind-ipv6:ok',
      'port:fail',
      'localhost:ok',
      'environment:info',
      'browser:info',
      'proxy:info',
      'authorize-origin:ok',
      'authorize-origin-clock:warn',
      'api-origin:ok',
      'api-origin-clock:warn',
    ]);
    expect(report.checks[1]?.detail).toContain(dir);
    expect(report).toMatchObject({ ok: false, httpTimeoutMs: 1_000 });
  });
});
