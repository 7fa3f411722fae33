#!/usr/bin/env node
// Lints the completion scripts with their shells' own tools: shellcheck for bash, `zsh -n` and `fish --no-execute`
// (which parse without running). Both the files in src/completion/ and the scripts `podio-auth completion` prints
// from them, with the program's data in place. `npm run check` runs this. A missing tool is reported loudly and
// skipped, except with CI=true, where it fails (CI installs all three: see .ci/run).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDefinitions } from './load-definitions.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOOL_TIMEOUT_MS = 60_000;
const LINTERS = {
  bash: { tool: 'shellcheck', args: (file) => ['--shell=bash', '--format=gcc', file], package: 'shellcheck' },
  zsh: { tool: 'zsh', args: (file) => ['-n', file], package: 'zsh' },
  fish: { tool: 'fish', args: (file) => ['--no-execute', file], package: 'fish' },
};

const { buildProgram, completionScript, describeCommands } = await loadDefinitions();
const program = describeCommands(buildProgram({}));
const generated = mkdtempSync(join(tmpdir(), 'podio-auth-check-shells-'));
let failed = false;
let skipped = 0;
try {
  for (const [shell, linter] of Object.entries(LINTERS)) {
    const printed = join(generated, `printed.podio-auth.${shell}`);
    writeFileSync(printed, completionScript(shell, program));
    const files = [join(ROOT, 'src', 'completion', `podio-auth.${shell}`), printed];
    for (const file of files) failed = !lint(linter, file) || failed;
  }
} finally {
  rmSync(generated, { recursive: true, force: true });
}
const notLinted = skipped ? ` (${skipped} file(s) NOT linted: a tool is missing)` : '';
process.stderr.write(`shells: ${failed ? 'the completion scripts have problems' : 'no problems'}${notLinted}\n`);
process.exitCode = failed ? 1 : 0;

/** Runs the linter on `file`, printing what it finds; false if it found anything or could not run. */
function lint({ tool, args, package: name }, file) {
  const shown = file.startsWith(ROOT) ? relative(ROOT, file) : `podio-auth completion (${file})`;
  const result = spawnSync(tool, args(file), { encoding: 'utf8', timeout: TOOL_TIMEOUT_MS });
  if (result.error?.code === 'ENOENT') {
    const required = process.env.CI === 'true';
    const outcome = required ? ' (and CI=true requires it)' : '';
    process.stderr.write(`*** shells: ${tool} is not installed, so ${shown} is NOT linted${outcome}: `);
    process.stderr.write(`install the ${name} package ***\n`);
    skipped += 1;
    return !required;
  }
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `${tool} exited with ${result.status ?? result.signal}`;
    process.stdout.write(`${shown}: ${why}\n${result.stdout}${result.stderr}`);
    return false;
  }
  return true;
}
