import type { DoctorProbes } from './probes.js';

/** Which process holds a TCP port, from Linux's /proc: what to stop, or which --port to avoid. */

export type PortHolderProbes = Pick<DoctorProbes, 'exists' | 'readText' | 'readdir' | 'readlink'>;

/** State 0A in /proc/net/tcp: listening. */
const LISTEN = '0A';

/** Which process listens on a TCP port; undefined where the OS does not tell. */
export function processListeningOn(port: number, probes: PortHolderProbes): string | undefined {
  const inodes = listeningSockets(port, probes);
  if (inodes.size === 0) return undefined;
  for (const pid of probes.readdir('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      for (const fd of probes.readdir(`/proc/${pid}/fd`)) {
        const inode = /^socket:\[(\d+)\]$/.exec(probes.readlink(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode && inodes.has(inode)) return `${executableOf(pid, probes)} (pid ${pid})`;
      }
    } catch {
      // Not ours to look at, or gone.
    }
  }
  return undefined;
}

/** The inodes of the sockets listening on `port`, over IPv4 and IPv6. */
function listeningSockets(port: number, probes: PortHolderProbes): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!probes.exists(table)) continue;
    for (const line of probes.readText(table).split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const localPort = parseInt(fields[1]?.split(':')[1] ?? '', 16);
      if (fields[3] === LISTEN && localPort === port && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/**
 * What a process runs: its executable, else the first word of its command line. Not `comm`: since Node 24 that is
 * the name of the main thread (`MainThread`), not of the program.
 */
function executableOf(pid: string, probes: PortHolderProbes): string {
  try {
    return probes.readlink(`/proc/${pid}/exe`);
  } catch {
    // Another user's process, where this one may not look: its command line is readable.
    const first = probes.readText(`/proc/${pid}/cmdline`).split('\0')[0];
    return first || 'an unknown program';
  }
}
