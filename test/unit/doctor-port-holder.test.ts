import { describe, expect, it } from 'vitest';
import { checkPort } from '../../src/usecases/doctor/loopback.js';
import { processListeningOn } from '../../src/usecases/doctor/port-holder.js';
import { FakeMachine } from '../support/doctor-probes.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
/** A /proc/net/tcp row: `state` 0A is listening. */
const row = (port: number, state: string, inode: number) =>
  `   0: 0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 ${state} 00000000:00000000 ` +
  `00:00000000 00000000  1000        0 ${inode} 1 0000000000000000 100 0 0 10 0`;

/** A machine where pid 4321 has socket `inode` open as fd 7, and another process has none. */
function machineWith(tcp: string[], tcp6: string[] = []) {
  const machine = new FakeMachine().dir('/proc').dir('/proc/net');
  machine.file('/proc/net/tcp', [HEADER, ...tcp].join('\n'));
  machine.file('/proc/net/tcp6', [HEADER, ...tcp6].join('\n'));
  machine.dir('/proc/self').dir('/proc/99').dir('/proc/99/fd').link('/proc/99/fd/0', '/dev/null');
  machine.dir('/proc/4321').dir('/proc/4321/fd').link('/proc/4321/fd/7', 'socket:[777]');
  machine.link('/proc/4321/exe', '/usr/bin/python3');
  return machine;
}

describe('doctor: who holds a port', () => {
  it('names the executable and pid of the process listening on it', () => {
    const machine = machineWith([row(8080, '0A', 777)]);
    expect(processListeningOn(8080, machine.probes())).toBe('/usr/bin/python3 (pid 4321)');
  });

  it('finds a listener on IPv6 too', () => {
    const machine = machineWith([], [row(8080, '0A', 777)]);
    expect(processListeningOn(8080, machine.probes())).toBe('/usr/bin/python3 (pid 4321)');
  });

  it('counts only listening sockets on that port', () => {
    expect(processListeningOn(8080, machineWith([row(8080, '01', 777)]).probes())).toBeUndefined();
    expect(processListeningOn(8080, machineWith([row(8081, '0A', 777)]).probes())).toBeUndefined();
  });

  it("falls back to the command line where the executable is another user's to see", () => {
    const machine = machineWith([row(8080, '0A', 777)]);
    machine.entries.delete('/proc/4321/exe');
    machine.file('/proc/4321/cmdline', 'node\0server.js\0');
    expect(processListeningOn(8080, machine.probes())).toBe('node (pid 4321)');
  });

  it('says nothing where there is no /proc', () => {
    expect(processListeningOn(8080, new FakeMachine().probes())).toBeUndefined();
  });

  it('fails a --port in use with its holder, and a free one passes', async () => {
    const machine = machineWith([row(8080, '0A', 777)]);
    machine.takenPorts.set(8080, 'EADDRINUSE');
    expect(await checkPort(8080, machine.probes())).toEqual({
      name: 'port',
      status: 'fail',
      detail: 'Port 8080 is in use by /usr/bin/python3 (pid 4321) (EADDRINUSE).',
      hint: 'Choose another --port, or leave it out to use any free port.',
    });
    expect(await checkPort(8081, machine.probes())).toEqual({
      name: 'port',
      status: 'ok',
      detail: 'Port 8081 is free',
    });
  });

  it('fails a --port held on ::1 alone, unless this machine has no IPv6', async () => {
    const machine = machineWith([], [row(8082, '0A', 777)]);
    machine.takenPortsOn.set('::1 8082', 'EADDRINUSE');
    expect((await checkPort(8082, machine.probes())).detail).toBe(
      'Port 8082 is in use by /usr/bin/python3 (pid 4321) (EADDRINUSE).',
    );
    expect((await checkPort(8082, machine.probes(), false)).status).toBe('ok');
  });

  it('looks for no holder when the port is refused for another reason', async () => {
    const machine = machineWith([row(80, '0A', 777)]);
    machine.takenPorts.set(80, 'EACCES');
    expect((await checkPort(80, machine.probes())).detail).toBe('Port 80 is in use (EACCES).');
  });
});
