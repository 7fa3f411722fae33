import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { detectEnvironment, findOnPath } from '../../platform/environment.js';
import { realTarget } from '../../store/file/atomic-write.js';
import { readConfigFile } from '../../store/file/config-file.js';
import type { DoctorProbes } from './probes.js';

/** The machine as it is: what the doctor command gives its checks. */
export function realDoctorProbes(): DoctorProbes {
  return {
    nodeVersion: process.versions.node,
    platform: process.platform,
    euid: () => process.geteuid?.(),
    exists: (path) => existsSync(path),
    stat: (path) => statSync(path),
    lstat: (path) => lstatSync(path),
    readlink: (path) => readlinkSync(path),
    readText: (path) => readFileSync(path, 'utf8'),
    readdir: (path) => readdirSync(path),
    openNoFollow: (path, kind) => {
      // O_NOFOLLOW: a link put there since it was looked at is not followed. O_NONBLOCK: a FIFO does not block.
      const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
      return openSync(path, kind === 'dir' ? flags | constants.O_DIRECTORY : flags);
    },
    fstat: (fd) => fstatSync(fd),
    fchmod: (fd, mode) => fchmodSync(fd, mode),
    close: (fd) => closeSync(fd),
    readConfig: (file) => readConfigFile(file),
    lockFileOf: (file) => `${realTarget(file)}.lock`,
    listen,
    detectEnvironment: (env) => detectEnvironment(env),
    findOnPath,
  };
}

function listen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
