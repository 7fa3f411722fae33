import type { Env } from '../../env.js';
import type { RunEnvironment } from '../../platform/environment.js';
import type { ConfigDocument } from '../../store/file/config-file.js';

/**
 * Everything doctor looks at on this machine besides the network and the store: files and their modes, /proc,
 * loopback ports, the OS and the running Node. Checks see the machine only through this, so each can be tested with
 * fakes; `realDoctorProbes` is the real one.
 */

/** What a check needs of a file's stat: node:fs's Stats has all of it. */
export interface FileFacts {
  mode: number;
  uid: number;
  ino: number;
  dev: number;
  mtimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export interface DoctorProbes {
  /** The running Node's version, as `process.versions.node` gives it. */
  nodeVersion: string;
  platform: NodeJS.Platform;
  /** The effective user id; undefined where the OS has none. */
  euid(): number | undefined;
  exists(path: string): boolean;
  /** Follows links; throws like node:fs when there is nothing there. */
  stat(path: string): FileFacts;
  lstat(path: string): FileFacts;
  readlink(path: string): string;
  readText(path: string): string;
  readdir(path: string): string[];
  /** Opens read-only, never through a link, without blocking on a FIFO; a `dir` must be a directory. */
  openNoFollow(path: string, kind: 'dir' | 'file'): number;
  fstat(fd: number): FileFacts;
  fchmod(fd: number, mode: number): void;
  close(fd: number): void;
  /** config.json read and checked as the store reads it; throws a message naming what is wrong. */
  readConfig(file: string): ConfigDocument;
  /** The lock file the store takes for `file` (next to the file a link leads to). */
  lockFileOf(file: string): string;
  /** Listens on `host:port` (0: any) and closes again: the error, or undefined when it could. */
  listen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined>;
  detectEnvironment(env: Env): RunEnvironment;
  findOnPath(name: string, env: Env): string | undefined;
}
