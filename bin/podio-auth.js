#!/usr/bin/env node
// The launcher. CommonJS (bin/package.json says so) because scripts call podio-auth in loops: `token`, `exec` and
// `export` with a valid stored login, and help off a terminal, are answered after loading one small bundle,
// without the ES module loader, commander or anything else. Every other command line goes to the bundled CLI.
'use strict';

const argv = process.argv.slice(2);
const fs = require('node:fs');

/**
 * Where compiled code is kept between runs, so that a command run in a loop does not compile the same bundles on
 * every call: in this user's own cache directory, never a shared or another user's one (`sudo -E`). The code in it
 * is run, so the directory it goes in must be this user's and writable by no one else.
 */
function compileCacheDir() {
  const { XDG_CACHE_HOME: xdg, HOME: home } = process.env;
  const cacheHome = xdg?.startsWith('/') ? xdg : home?.startsWith('/') ? `${home}/.cache` : undefined;
  if (cacheHome === undefined) return undefined;
  try {
    const owner = fs.statSync(cacheHome);
    if (owner.uid !== process.geteuid?.() || (owner.mode & 0o022) !== 0) return undefined;
    return `${cacheHome}/podio-auth/compile-cache`;
  } catch {
    return undefined;
  }
}
const cacheDir = compileCacheDir();

/**
 * Has Node keep what it compiles of the full CLI from here on (module.enableCompileCache, Node 22.1+, documented;
 * a cache it cannot use it passes over without a word). Node 20 has none.
 */
function useNodeCompileCache() {
  if (cacheDir === undefined || process.versions.node.startsWith('20.')) return;
  try {
    // Private, as everything podio-auth keeps (Node would make it readable by all).
    fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    require('node:module').enableCompileCache?.(cacheDir);
  } catch {
    // No cache then: everything is compiled as it is loaded.
  }
}

/**
 * Loads a fast bundle as require would, compiled with V8's code cache (vm.Script's cachedData, documented) from
 * `dir`. A cache is used only for the very bundle file it was made from (device, inode, size, times): a rebuilt or
 * reinstalled bundle is compiled anew, and its cache replaced once the command has answered (`keep`).
 */
function loadWithCodeCache(file, dir) {
  let source;
  let stamp;
  const fd = fs.openSync(file, 'r');
  try {
    const { dev, ino, size, mtimeMs, ctimeMs } = fs.fstatSync(fd);
    stamp = Buffer.from(`${dev}:${ino}:${size}:${mtimeMs}:${ctimeMs}\n`);
    source = fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
  const cacheFile = `${dir}/v8-${process.versions.v8}-${file.slice(file.lastIndexOf('/') + 1)}.cache`;
  const cachedData = readCodeCache(cacheFile, stamp);
  const { Script } = require('node:vm');
  const script = new Script(`(function (exports, require, module) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module);
  const fresh = cachedData === undefined || script.cachedDataRejected;
  return { bundle: module.exports, keep: fresh ? () => writeCodeCache(dir, cacheFile, stamp, script) : () => {} };
}

/** The code cache in `cacheFile` if it is this user's and was made from the bundle `stamp` describes. */
function readCodeCache(cacheFile, stamp) {
  try {
    const fd = fs.openSync(cacheFile, 'r');
    try {
      if (fs.fstatSync(fd).uid !== process.geteuid()) return undefined;
      const data = fs.readFileSync(fd);
      return data.subarray(0, stamp.length).equals(stamp) ? data.subarray(stamp.length) : undefined;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** Writes a new code cache whole or not at all (a private temporary file, renamed over the old one). */
function writeCodeCache(dir, cacheFile, stamp, script) {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(temp, Buffer.concat([stamp, script.createCachedData()]), { mode: 0o600, flag: 'wx' });
    fs.renameSync(temp, cacheFile);
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
  try {
    if (answer.stderr) fs.writeSync(2, answer.stderr);
  } catch {
    // A closed stderr never stops the data.
  }
  try {
    fs.writeSync(1, answer.stdout);
  } catch (error) {
    // A closed, full or broken stdout: one line, exit output_failed (and nothing at all if stderr is gone too).
    try {
      fs.writeSync(2, `✗ Could not write to standard output (${error.code || error.message}).\n`);
    } catch {
      // Nowhere to say it.
    }
    process.exitCode = fast.outputFailedExit();
  }
  keepCodeCache();
}
