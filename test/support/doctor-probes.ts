import type { RunEnvironment } from '../../src/platform/environment.js';
import type { DoctorProbes, FileFacts } from '../../src/usecases/doctor/probes.js';

/**
 * A machine for doctor's checks, in memory: files with modes and owners, links, /proc entries and loopback ports.
 * Each test builds what it needs and reads back what the checks changed.
 */

type Entry =
  | { kind: 'dir'; mode: number; uid: number; ino: number }
  | { kind: 'file'; mode: number; uid: number; ino: number; text: string; mtimeMs: number }
  | { kind: 'fifo'; mode: number; uid: number; ino: number }
  | { kind: 'link'; target: string; uid: number; ino: number };

function errno(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${path}`), { code });
}

export class FakeMachine {
  readonly entries = new Map<string, Entry>();
  readonly takenPorts = new Map<number, string>();
  /** Ports taken on one address only (`::1 8080`). */
  readonly takenPortsOn = new Map<string, string>();
  euid: number | undefined = 1000;
  platform: NodeJS.Platform = 'linux';
  nodeVersion = '22.1.0';
  /** Runs between the look at a path and its opening: where a test swaps what the name leads to. */
  beforeOpen: (path: string) => void = () => {};
  private nextIno = 100;
  private nextFd = 10;
  private readonly open = new Map<number, string>();

  dir(path: string, mode = 0o700, uid = this.euid ?? 0): this {
    this.entries.set(path, { kind: 'dir', mode, uid, ino: this.nextIno++ });
    return this;
  }

  file(path: string, text: string, options: { mode?: number; uid?: number; mtimeMs?: number } = {}): this {
    const { mode = 0o600, uid = this.euid ?? 0, mtimeMs = 0 } = options;
    this.entries.set(path, { kind: 'file', mode, uid, ino: this.nextIno++, text, mtimeMs });
    return this;
  }

  fifo(path: string, mode = 0o666): this {
    this.entries.set(path, { kind: 'fifo', mode, uid: this.euid ?? 0, ino: this.nextIno++ });
    return this;
  }

  link(path: string, target: string): this {
    this.entries.set(path, { kind: 'link', target, uid: this.euid ?? 0, ino: this.nextIno++ });
    return this;
  }

  modeOf(path: string): number {
    const entry = this.entries.get(path);
    if (!entry || entry.kind === 'link') throw new Error(`no file at ${path}`);
    return entry.mode;
  }

  /** Files whose descriptors the checks opened and never closed. */
  openDescriptors(): number {
    return this.open.size;
  }

  private follow(path: string, depth = 0): [string, Entry] {
    const entry = this.entries.get(path);
    if (!entry) throw errno('ENOENT', path);
    if (entry.kind !== 'link') return [path, entry];
    if (depth > 8) throw errno('ELOOP', path);
    return this.follow(entry.target, depth + 1);
  }

  private facts(entry: Entry): FileFacts {
    return {
      mode: entry.kind === 'link' ? 0o777 : entry.mode,
      uid: entry.uid,
      ino: entry.ino,
      dev: 1,
      mtimeMs: entry.kind === 'file' ? entry.mtimeMs : 0,
      isFile: () => entry.kind === 'file',
      isDirectory: () => entry.kind === 'dir',
      isSymbolicLink: () => entry.kind === 'link',
    };
  }

  probes(overrides: Partial<DoctorProbes> = {}): DoctorProbes {
    const lstat = (path: string) => {
      const entry = this.entries.get(path);
      if (!entry) throw errno('ENOENT', path);
      return this.facts(entry);
    };
    const entryOfFd = (fd: number) => {
      const path = this.open.get(fd);
      const entry = path === undefined ? undefined : this.entries.get(path);
      if (!entry) throw errno('EBADF', String(fd));
      return entry;
    };
    return {
      nodeVersion: this.nodeVersion,
      platform: this.platform,
      euid: () => this.euid,
      exists: (path) => {
        try {
          this.follow(path);
          return true;
        } catch {
          return false;
        }
      },
      stat: (path) => this.facts(this.follow(path)[1]),
      lstat,
      readlink: (path) => {
        const entry = this.entries.get(path);
        if (entry?.kind !== 'link') throw errno('EINVAL', path);
        return entry.target;
      },
      readText: (path) => {
        const [, entry] = this.follow(path);
        if (entry.kind !== 'file') throw errno('EISDIR', path);
        return entry.text;
      },
      readdir: (path) => {
        const [real, entry] = this.follow(path);
        if (entry.kind !== 'dir') throw errno('ENOTDIR', path);
        const prefix = `${real}/`;
        return [...this.entries.keys()]
          .filter((name) => name.startsWith(prefix) && !name.slice(prefix.length).includes('/'))
          .map((name) => name.slice(prefix.length));
      },
      openNoFollow: (path, kind) => {
        this.beforeOpen(path);
        const entry = this.entries.get(path);
        if (!entry) throw errno('ENOENT', path);
        if (entry.kind === 'link') throw errno('ELOOP', path);
        if (kind === 'dir' && entry.kind !== 'dir') throw errno('ENOTDIR', path);
        const fd = this.nextFd++;
        this.open.set(fd, path);
        return fd;
      },
      fstat: (fd) => this.facts(entryOfFd(fd)),
      fchmod: (fd, mode) => {
        const entry = entryOfFd(fd);
        if (entry.kind === 'link') throw errno('EINVAL', String(fd));
        entry.mode = mode;
      },
      close: (fd) => {
        if (!this.open.delete(fd)) throw errno('EBADF', String(fd));
      },
      readConfig: (file) => {
        const text = this.probes().readText(file);
        const document = JSON.parse(text) as { profiles?: Record<string, never> };
        return { defaultProfile: undefined, profiles: new Map(Object.entries(document.profiles ?? {})), extra: {} };
      },
      lockFileOf: (file) => `${file}.lock`,
      listen: async (host, port) => {
        const code = this.takenPorts.get(port) ?? this.takenPortsOn.get(`${host} ${port}`);
        return code === undefined ? undefined : errno(code, String(port));
      },
      detectEnvironment: (): RunEnvironment => ({
        ssh: false,
        wsl: false,
        ci: false,
        display: true,
        canOpenBrowser: true,
        reason: '',
      }),
      findOnPath: () => undefined,
      ...overrides,
    };
  }
}
