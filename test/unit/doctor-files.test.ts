import { describe, expect, it } from 'vitest';
import { checkFiles } from '../../src/usecases/doctor/files.js';
import { FakeMachine } from '../support/doctor-probes.js';

const dir = '/home/u/.config/podio-auth';
const file = `${dir}/config.json`;
const now = new Date('2026-06-30T00:00:00Z');
const config = '{"profiles":{"default":{}}}';

const summary = (checks: { name: string; status: string }[]) => checks.map((item) => `${item.name}:${item.status}`);

describe('doctor: the config directory and file', () => {
  it('says nobody logged in here when there is no config directory', () => {
    const { checks, config } = checkFiles(dir, file, false, now, new FakeMachine().probes());
    expect(checks).toEqual([
      { name: 'config', status: 'info', detail: `No config directory yet (${dir}): nobody has logged in here.` },
    ]);
    expect(config).toBeUndefined();
  });

  it('passes a 0700 directory and a 0600 file that parses, and hands the config on', () => {
    const machine = new FakeMachine().dir(dir).file(file, config);
    const outcome = checkFiles(dir, file, false, now, machine.probes());
    expect(summary(outcome.checks)).toEqual(['config-dir:ok', 'config-file:ok', 'config-parse:ok']);
    expect(outcome.checks[1]?.detail).toBe(`Config file ${file} (0600)`);
    expect([...(outcome.config?.profiles.keys() ?? [])]).toEqual(['default']);
  });

  it('fails loose modes with the chmod to run, and changes nothing without --fix', () => {
    const machine = new FakeMachine().dir(dir, 0o755).file(file, config, { mode: 0o644 });
    const { checks } = checkFiles(dir, file, false, now, machine.probes());
    expect(checks.slice(0, 2)).toEqual([
      {
        name: 'config-dir',
        status: 'fail',
        detail: `Config directory ${dir} has mode 0755: others can look inside.`,
        hint: `Run \`chmod 700 ${dir}\`, or \`podio-auth doctor --fix\`.`,
      },
      {
        name: 'config-file',
        status: 'fail',
        detail: `Config file ${file} has mode 0644: others can read your tokens.`,
        hint: `Run \`chmod 600 ${file}\`, or \`podio-auth doctor --fix\`.`,
      },
    ]);
    expect([machine.modeOf(dir), machine.modeOf(file)]).toEqual([0o755, 0o644]);
  });

  it('with --fix, tightens its own directory and file, says so, and closes what it opened', () => {
    const machine = new FakeMachine().dir(dir, 0o755).file(file, config, { mode: 0o644 });
    const { checks } = checkFiles(dir, file, true, now, machine.probes());
    expect(checks.map((item) => item.detail).slice(0, 2)).toEqual([
      `Config directory ${dir} (0700), fixed`,
      `Config file ${file} (0600), fixed`,
    ]);
    expect([machine.modeOf(dir), machine.modeOf(file)]).toEqual([0o700, 0o600]);
    expect(machine.openDescriptors()).toBe(0);
  });

  it("with --fix, leaves another uid's file alone and says why (as root too)", () => {
    const machine = new FakeMachine();
    machine.euid = 0;
    machine.dir(dir).file(file, config, { mode: 0o644, uid: 12345 });
    const { checks } = checkFiles(dir, file, true, now, machine.probes());
    expect(checks[0]).toEqual({
      name: 'fix-skipped',
      status: 'warn',
      detail: `--fix left ${file} alone: it belongs to uid 12345, not to you (uid 0), and --fix changes only what you own.`,
      hint: 'Change it by hand if it is yours to change, or point PODIO_AUTH_CONFIG_DIR at a directory of your own.',
    });
    expect(summary(checks.slice(1, 3))).toEqual(['config-dir:ok', 'config-file:fail']);
    expect(machine.modeOf(file)).toBe(0o644);
  });

  it('with --fix, never changes a mode through a link, and names where it leads', () => {
    const machine = new FakeMachine().dir(dir).dir('/elsewhere', 0o755).file('/elsewhere/c.json', config, {
      mode: 0o644,
    });
    machine.link(file, '/elsewhere/c.json');
    const { checks } = checkFiles(dir, file, true, now, machine.probes());
    expect(checks[0]?.detail).toBe(
      `--fix left ${file} alone: it is a symbolic link to /elsewhere/c.json, and --fix never changes a mode through a link.`,
    );
    expect(machine.modeOf('/elsewhere/c.json')).toBe(0o644);
  });

  it('with --fix, changes nothing when the file is swapped between the look and the open', () => {
    const machine = new FakeMachine().dir(dir).file(file, config, { mode: 0o644 });
    machine.beforeOpen = (path) => {
      if (path === file) machine.file(file, config, { mode: 0o644 });
    };
    const { checks } = checkFiles(dir, file, true, now, machine.probes());
    expect(checks[0]?.detail).toBe(`--fix left ${file} alone: it was replaced while being looked at.`);
    expect(machine.modeOf(file)).toBe(0o644);
    expect(machine.openDescriptors()).toBe(0);
  });

  it('with --fix on Windows, changes no mode', () => {
    const machine = new FakeMachine().dir(dir, 0o755).file(file, config, { mode: 0o644 });
    machine.platform = 'win32';
    checkFiles(dir, file, true, now, machine.probes());
    expect([machine.modeOf(dir), machine.modeOf(file)]).toEqual([0o755, 0o644]);
  });

  it('fails a config.json that leads to no regular file, and never changes its mode', () => {
    const machine = new FakeMachine().dir(dir).fifo('/tmp/fifo', 0o666).link(file, '/tmp/fifo');
    const outcome = checkFiles(dir, file, true, now, machine.probes());
    expect(outcome.checks.at(-1)).toMatchObject({
      name: 'config-file',
      status: 'fail',
      detail: `Config file ${file} is not a regular file.`,
    });
    expect(outcome.config).toBeUndefined();
    expect(machine.modeOf('/tmp/fifo')).toBe(0o666);
  });

  it('fails a config.json that does not parse, with the way out', () => {
    const machine = new FakeMachine().dir(dir).file(file, '{');
    const outcome = checkFiles(dir, file, false, now, machine.probes());
    expect(outcome.checks.at(-1)).toMatchObject({
      name: 'config-parse',
      status: 'fail',
      hint: 'Fix the file, or move it aside and log in again.',
    });
    expect(outcome.config).toBeUndefined();
  });

  it('tells a lock held right now from one left behind', () => {
    const machine = new FakeMachine().dir(dir).file(file, config);
    machine.file(`${file}.lock`, '', { mtimeMs: now.getTime() - 2_000 });
    expect(checkFiles(dir, file, false, now, machine.probes()).checks.at(-1)).toMatchObject({
      name: 'lock',
      status: 'info',
    });
    machine.file(`${file}.lock`, '', { mtimeMs: now.getTime() - 31_000 });
    expect(checkFiles(dir, file, false, now, machine.probes()).checks.at(-1)).toMatchObject({
      name: 'lock',
      status: 'warn',
      detail: `A lock file has been left behind: ${file}.lock`,
    });
  });
});
