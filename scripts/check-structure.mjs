#!/usr/bin/env node
// The layout limits of src/, checked by a tool instead of by review: no file over 400 lines, no function over 80, no
// import cycle, and the layer rule. Lines are measured here with the TypeScript parser, because Biome's line rules
// count a multi-line template literal as one line (a 175-line function holding a shell script passes them). Cycles
// and layers are Biome's noImportCycles and noRestrictedImports, configured in biome.json; they are "off" there so
// that `npm run lint` does not enforce them before the tree complies, and this script runs them with `--only`.
//
// Usage: node scripts/check-structure.mjs [root]    (root: the tree to check, default this repository)
// Prints one line per violation, `path:line: what`, and exits 1 if there is any; 2 if the check itself failed.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
const BIOME_TIMEOUT_MS = 120_000;
const SOURCE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;
const RULES = {
  'lint/suspicious/noImportCycles': (spec) => `import ${spec} is part of an import cycle`,
  'lint/style/noRestrictedImports': (spec, message) => `import ${spec}: ${message}`,
};

class CheckFailed extends Error {}

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));

try {
  const violations = [...lineViolations(root), ...biomeViolations(root)].sort(
    (a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.what.localeCompare(b.what),
  );
  for (const { path, line, what } of violations) process.stdout.write(`${path}:${line}: ${what}\n`);
  const count = violations.length;
  process.stderr.write(count === 0 ? 'structure: no violations\n' : `structure: ${count} violation(s)\n`);
  process.exitCode = count === 0 ? 0 : 1;
} catch (error) {
  if (!(error instanceof CheckFailed)) throw error;
  process.stderr.write(`structure: the check could not run: ${error.message}\n`);
  process.exitCode = 2;
}

/** Every file of src/ over the file limit, and every function-like node over the function limit. */
function lineViolations(root) {
  const violations = [];
  for (const path of filesUnder(join(root, 'src'))) {
    const shown = relative(root, path).split(sep).join('/');
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_FILE_LINES) {
      violations.push({ path: shown, line: 1, what: `file has ${lines} lines (limit ${MAX_FILE_LINES})` });
    }
    if (SOURCE.test(path)) {
      for (const fn of longFunctions(path, text)) violations.push({ path: shown, ...fn });
    }
  }
  return violations;
}

function filesUnder(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new CheckFailed(`cannot read ${dir}: ${error.code ?? error.message}`);
  }
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

/** Functions, methods, accessors, constructors and arrow functions, measured from their first to last line. */
function longFunctions(path, text) {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > MAX_FUNCTION_LINES) {
        const what = `function ${functionName(node)} has ${lines} lines (limit ${MAX_FUNCTION_LINES})`;
        found.push({ line: first + 1, what });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function functionName(node) {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (node.name && !ts.isComputedPropertyName(node.name)) return node.name.getText();
  const parent = node.parent;
  const named = ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent);
  if (named && parent.initializer === node && !ts.isComputedPropertyName(parent.name)) return parent.name.getText();
  for (let outer = parent; outer; outer = outer.parent) {
    if (ts.isFunctionLike(outer)) return `(anonymous, in ${functionName(outer)})`;
  }
  return '(anonymous)';
}

/** Import cycles and layer breaches, as Biome reports them with the rules configured in the tree's biome.json. */
function biomeViolations(root) {
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  const args = ['lint', '--vcs-enabled=false', '--reporter=json', '--max-diagnostics=none', '--colors=off'];
  const only = Object.keys(RULES).map((category) => `--only=${category.replace(/^lint\//, '')}`);
  const run = spawnSync(process.execPath, [biome, ...args, ...only, 'src'], {
    cwd: root,
    encoding: 'utf8',
    timeout: BIOME_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw new CheckFailed(`biome did not finish: ${run.error.message}`);
  let report;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    throw new CheckFailed(`biome gave no report (exit ${run.status}): ${run.stderr.trim().split('\n')[0] ?? ''}`);
  }
  return report.diagnostics.map((diagnostic) => fromBiome(root, diagnostic));
}

function fromBiome(root, { category, message, location }) {
  const path = location?.path ?? 'biome.json';
  const line = location?.start?.line ?? 1;
  const describe = RULES[category];
  if (!describe) return { path, line, what: `${category ?? 'biome'}: ${message}` };
  return { path, line, what: describe(specifierAt(root, location), message) };
}

/** The import's quoted path, as written where Biome points (the diagnostic alone does not name it). */
function specifierAt(root, { path, start, end }) {
  try {
    const text = readFileSync(join(root, path), 'utf8').split('\n')[start.line - 1] ?? '';
    // A static import's span is its quoted path; a dynamic one's is the whole `import(…)`.
    const span = start.line === end.line ? text.slice(start.column - 1, end.column - 1) : '';
    return /(['"`])[^'"`]*\1/.exec(span)?.[0] ?? 'here';
  } catch {
    return 'here';
  }
}
