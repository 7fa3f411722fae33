#!/usr/bin/env node
// The launcher. CommonJS (bin/package.json says so) because scripts call podio-auth in loops: `token`, `exec` and
// `export` with a valid stored login, and help off a terminal, are answered after loading one small bundle,
// without the ES module loader, commander or anything else. Every other command line goes to the bundled CLI.
'use strict';

if (typeof process.getBuiltinModule !== 'function') {
  // Older than any Node podio-auth supports (package.json's engines): one line, not a stack trace further down.
  process.stderr.write(
    `✗ podio-auth needs Node.js 20.19 or newer; this is ${process.version}.\nInstall a current LTS from https://nodejs.org.\n`,
  );
  process.exit(1);
}

const argv = process.argv.slice(2);
// Node's own modules are taken with process.getBuiltinModule (Node 20.16+): half what require costs, and `token`
// runs in loops.
const builtin = (id) => process.getBuiltinModule(id);
const fs = builtin('node:fs');

/**
 * Where compiled code is kept between runs, so that a command run in a loop does not compile the same bundles on
 * every call: this user's cache directory. The code kept there is run, so it is read only from files of this user's
 * that no one else may write to, and written (and Node's own cache used) only where the directories it goes in are
 * this user's and no one else may write to them: never a shared or another user's one (`sudo -E`).
 */
function compileCacheDir() {
  const { XDG_CACHE_HOME: xdg, HOME: home } = process.env;
  const cacheHome = xdg?.startsWith('/') ? xdg : home?.startsWith('/') ? `${home}/.cache` : undefined;
  return cacheHome === undefined ? undefined : `${cacheHome}/podio-auth/compile-cache`;
}

/** Whether `stats` are those of a file or directory of this user's that no one else may write to. */
function isPrivate({ uid, mode }) {
  return uid === process.geteuid?.() && (mode & 0o022) === 0;
}

/**
 * The real path of the cache directory, made if need be, when no one but this user (or root) can change what is in
 * it or what that path leads to; else undefined (Node opens its cache by path, again for each module). The cache
 * home, podio-auth and compile-cache must be this user's and private; every directory above, this user's or root's
 * and writable by no one else, short of a sticky one (/tmp), where only an entry's owner may rename it. Each is
 * looked at as it is, never through a link: a link in a real path is one put there since.
 */
function privateCacheDir(dir) {
  const podioAuth = dir.slice(0, dir.lastIndexOf('/'));
  try {
    const home = fs.realpathSync(podioAuth.slice(0, podioAuth.lastIndexOf('/')));
    for (let path = home, level = 0; ; path = path.slice(0, path.lastIndexOf('/')) || '/', level++) {
      const stats = fs.lstatSync(path);
      if (!stats.isDirectory() || !(level === 0 ? isPrivate(stats) : isUnchangeableAbove(stats))) return undefined;
      if (path === '/') break;
    }
    const real = `${home}/podio-auth/compile-cache`;
    fs.mkdirSync(real, { recursive: true, mode: 0o700 });
    for (const path of [`${home}/podio-auth`, real]) {
      const stats = fs.lstatSync(path);
      if (!stats.isDirectory() || !isPrivate(stats)) return undefined;
    }
    return real;
  } catch {
    return undefined;
  }
}

/** A directory above the cache home: this user's or root's, and writable by no one else unless sticky. */
function isUnchangeableAbove({ uid, mode }) {
  return (uid === process.geteuid?.() || uid === 0) && ((mode & 0o022) === 0 || (mode & 0o1000) !== 0);
}

const cacheDir = compileCacheDir();

/**
 * Has Node keep what it compiles of the full CLI from here on (module.enableCompileCache, Node 22.1+, documented;
 * a cache it cannot use it passes over without a word; Node 20 has none). Node reads its cache without asking who
 * wrote it: only from a directory no one else may write to.
 */
function useNodeCompileCache() {
  const dir = cacheDir === undefined ? undefined : privateCacheDir(cacheDir);
  if (dir !== undefined && holdsOnlyFiles(dir)) builtin('node:module').enableCompileCache?.(dir);
}

/**
 * Whether the cache directory holds files only: the launcher's, and Node's in a directory per Node version. Node
 * opens its files without O_NONBLOCK, so a FIFO in their place would hang every command that loads the CLI.
 */
function holdsOnlyFiles(dir) {
  try {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile()) continue;
      if (!entry.isDirectory()) return false;
      if (!fs.readdirSync(`${dir}/${entry.name}`, { withFileTypes: true }).every((file) => file.isFile())) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads a fast bundle as require would, compiled with V8's code cache (vm.Script's cachedData, documented) from
 * `dir`. V8 checks little more than the length of the code a cache was made from, so a cache file holds that code
 * too, and is used only for exactly the same code: another build, even of the same length, is compiled anew, and its
 * cache replaced once the command has answered (`keep`).
 */
function loadWithCodeCache(file, dir) {
  const source = fs.readFileSync(file, 'utf8');
  const name = codeCacheName(file);
  const cachedData = readCodeCache(`${dir}/${name}`, source);
  const { Script } = builtin('node:vm');
  const script = new Script(`(function (exports, require, module) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} };
  // The bundles require only Node's own modules: everything else is in them.
  script.runInThisContext()(module.exports, builtin, module);
  const fresh = cachedData === undefined || script.cachedDataRejected;
  return { bundle: module.exports, keep: fresh ? () => writeCodeCache(dir, name, source, script) : () => {} };
}

/**
 * One cache file per V8 version, installed copy and bundle: two installs used in turn (a global one and a clone, two
 * Node versions) do not replace each other's on every run.
 */
function codeCacheName(file) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < file.length; i++) hash = Math.imul(hash ^ file.charCodeAt(i), 0x01000193);
  const name = file.slice(file.lastIndexOf('/') + 1);
  return `v8-${process.versions.v8}-${(hash >>> 0).toString(16)}-${name}.cache`;
}

/** Far above any fast bundle's cache; past it, the file is not one. */
const MAX_CODE_CACHE_BYTES = 4 * 1024 * 1024;
/** Node takes open(2) flags as a number: no link followed, no wait on a FIFO. */
const OPEN_CACHE = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/**
 * The code cache in `cacheFile` if it is a file of this user's that no one else may write to, and was made from
 * `source`. What is in such a file only this user (or root) can have put there, wherever it is. The file is text
 * (the length of the code, the code, then V8's cache in base64), read in one call by Node's UTF-8 read: a binary
 * read costs Node 20 twice as much.
 */
function readCodeCache(cacheFile, source) {
  try {
    const fd = fs.openSync(cacheFile, OPEN_CACHE);
    try {
      const stats = fs.fstatSync(fd);
      if (!stats.isFile() || !isPrivate(stats) || stats.size > MAX_CODE_CACHE_BYTES) return undefined;
      const text = fs.readFileSync(fd, 'utf8');
      const start = codeCacheHeader(source).length;
      const same = text.startsWith(codeCacheHeader(source)) && text.slice(start, start + source.length) === source;
      return same ? Buffer.from(text.slice(start + source.length), 'base64') : undefined;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

const codeCacheHeader = (source) => `${source.length}\n`;

/** Writes a new code cache whole or not at all (a private temporary file, renamed over the old one). */
function writeCodeCache(dir, name, source, script) {
  const real = privateCacheDir(dir);
  if (real === undefined) return;
  const temp = `${real}/${name}.${process.pid}.tmp`;
  try {
    const cache = `${codeCacheHeader(source)}${source}${script.createCachedData().toString('base64')}`;
    fs.writeFileSync(temp, cache, { mode: 0o600, flag: 'wx' });
    fs.renameSync(temp, `${real}/${name}`);
  } catch {
    // No cache then: the bundle is compiled as it is loaded, as without one.
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // A full or read-only disk: nothing more to do.
    }
  }
}

/**
 * What could not be loaded, in one line: not built (a hint to build), or not readable now (out of file
 * descriptors, say: the reason alone). Exit 1, written out: the table of exit codes is in what could not be loaded.
 */
function cannotStart(error, notBuilt) {
  process.stderr.write(
    notBuilt
      ? '✗ podio-auth is not built yet.\nRun `npm run build` in its folder first (after `npm ci`).\n'
      : `✗ podio-auth could not start: ${error.code || error.message}.\n`,
  );
  process.exit(1);
}

// One small bundle per fast command, chosen as src/fast-route.ts chooses (written out here so that nothing more is
// loaded to choose; test/e2e/launcher.test.ts holds the two together); the bundle decides whether it can answer.
const [first] = argv;
const end = argv.indexOf('--');
const own = end === -1 ? argv : argv.slice(0, end);
const which =
  first === 'help' || own.includes('--help') || own.includes('-h')
    ? 'help'
    : first === 'token' || first === 'exec' || first === 'export'
      ? first
      : undefined;
let fast;
let keepCodeCache = () => {};
if (which !== undefined) {
  const file = `${__dirname}/../dist/fast-${which}.cjs`;
  try {
    if (cacheDir !== undefined) ({ bundle: fast, keep: keepCodeCache } = loadWithCodeCache(file, cacheDir));
    else fast = require(file);
  } catch (error) {
    cannotStart(error, error.code === 'MODULE_NOT_FOUND' || error.code === 'ENOENT');
  }
}

const answer = fast?.run(argv, {
  env: process.env,
  now: new Date(),
  stdoutIsTTY: () => fast.isTerminal(1),
  stderrIsTTY: () => fast.isTerminal(2),
  help: () => require('../dist/help.json'),
});

if (answer === undefined) {
  keepCodeCache();
  useNodeCompileCache();
  import('../dist/cli/cli.js').catch((error) => cannotStart(error, error.code === 'ERR_MODULE_NOT_FOUND'));
} else if (answer.kind === 'exec') {
  keepCodeCache();
  fast.runFastExec(answer).then((code) => {
    process.exitCode = code;
  });
} else {
  printAnswer(answer);
}

/**
 * Prints a fast command's answer. A closed stderr never stops the data; a closed, full or broken stdout is one line,
 * exit output_failed (and nothing at all if stderr is gone too).
 */
function printAnswer({ stdout, stderr }) {
  const outputFailed = (error) => {
    try {
      fs.writeSync(2, `✗ Could not write to standard output (${error.code || error.message}).\n`);
    } catch {
      // Nowhere to say it.
    }
    process.exitCode = fast.outputFailedExit();
  };
  const stderrWritten = !stderr || writeWhole(2, stderr, () => {});
  const stdoutWritten = writeWhole(1, stdout, outputFailed);
  keepCodeCache();
  // Answered, and everything written: ending here spares the process from freeing all it loaded first, as a natural
  // exit does (about 2 % of a `token`). Unless something preloaded asked to be told before the process ends.
  if (stderrWritten && stdoutWritten && process.listenerCount('beforeExit') === 0) process.exit();
}

/**
 * Writes `text` to `fd` whole, at once where it can: true when done (`failed` told of an error). What a pipe that
 * another process made non-blocking does not take at once (EAGAIN, or only part of it) is handed to Node's stream for
 * that fd, which waits for room: false, and `failed` is told later if it fails.
 */
function writeWhole(fd, text, failed) {
  let written = 0;
  try {
    written = fs.writeSync(fd, text);
    if (written === Buffer.byteLength(text)) return true;
  } catch (error) {
    if (error.code !== 'EAGAIN') {
      failed(error);
      return true;
    }
  }
  const stream = fd === 1 ? process.stdout : process.stderr;
  let told = false;
  const tell = (error) => {
    if (error && !told) failed(error);
    told ||= Boolean(error);
  };
  stream.on('error', tell);
  stream.write(Buffer.from(text).subarray(written), tell);
  return false;
}
