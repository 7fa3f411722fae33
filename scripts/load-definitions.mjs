// The CLI's own definitions (the commander program, the help notes, the error table), bundled from src/ into a
// throwaway module and imported: for scripts that describe the CLI (its help for the launcher, the reference, the
// completion scripts' lint), so that they read the program itself rather than its printed help. The bench takes the
// emulator the same way.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { SHELL_SCRIPT_LOADER } from './shell-scripts.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function loadDefinitions() {
  return importFromSources([
    "export { buildProgram, COMMAND_HELP, ENVIRONMENT_HELP } from './src/main.ts';",
    "export { createApp } from './src/commands/shared.ts';",
    "export { errorTable, ExitCode } from './src/errors.ts';",
    "export { completionScript } from './src/completion/script.ts';",
    "export { describeCommands } from './src/completion/describe-program.ts';",
  ]);
}

/** The emulator, as the bench runs it beside the command it times. */
export function loadEmulator() {
  return importFromSources(["export { PodioEmulator } from './src/emulator/podio-emulator.ts';"]);
}

/** `exports` (lines of TypeScript re-exporting from src/), bundled and imported. */
export async function importFromSources(exports) {
  // Inside the project, so that the bundle's imports of the dependencies resolve to node_modules.
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'reference-'));
  try {
    const outfile = join(dir, 'definitions.mjs');
    await build({
      stdin: {
        contents: exports.join('\n'),
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      loader: SHELL_SCRIPT_LOADER,
      outfile,
      logLevel: 'warning',
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
