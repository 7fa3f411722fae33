#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
// Bundles what the launcher loads, `token`'s fast path (one small CommonJS file per fast command), and, in one build
// that shares its chunks, the CLI and the library (`dist/index.js`): what only some commands need (the Redis client,
// open, the emulator, the login flow) is split into chunks loaded on first use, and no code is in the package twice.
// Every dependency but the native keyring module is bundled, so the package installs without a registry (the keyring
// is an optional dependency: without it, keyring profiles say so). The library's types come from tsc.
import { build } from 'esbuild';
import { loadDefinitions } from './load-definitions.mjs';
import { builtinsWithoutNamespaces } from './node-builtins.mjs';
import { importsShellScript, inlineOnlyShellScripts, SHELL_SCRIPT_LOADER } from './shell-scripts.mjs';

const common = {
  bundle: true,
  minify: true,
  keepNames: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
  loader: SHELL_SCRIPT_LOADER,
};

for (const dir of ['cli', 'chunks'])
  rmSync(new URL(`../dist/${dir}`, import.meta.url), { recursive: true, force: true });
// `--transpile`: also write dist/ module by module as tsc would (without types), in a fraction of tsc's time. The
// tests' global setup uses it; `npm run build` has tsc do it, with the declarations a library needs.
if (process.argv.includes('--transpile')) {
  const { readdirSync } = await import('node:fs');
  const sources = readdirSync(new URL('../src', import.meta.url), { recursive: true })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => `src/${file}`);
  const transpile = {
    outdir: 'dist',
    outbase: 'src',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  };
  const withScripts = sources.filter(importsShellScript);
  await build({ ...transpile, entryPoints: sources.filter((source) => !withScripts.includes(source)) });
  await build({
    ...transpile,
    entryPoints: withScripts,
    bundle: true,
    loader: SHELL_SCRIPT_LOADER,
    plugins: [inlineOnlyShellScripts],
  });
}
await Promise.all([
  // One bundle per fast command: `token`, the one scripts loop on, loads only what it needs.
  ...['token', 'exec', 'export', 'help'].map((name) =>
    build({
      ...common,
      // Names are for stack traces, which the fast path never prints; keeping them costs a call per function.
      keepNames: false,
      stdin: {
        contents: `export { ${name}Fast as run${name === 'exec' ? ', runFastExec' : ''}, isTerminal, outputFailedExit } from './src/fast-path.ts';`,
        resolveDir: '.',
        loader: 'ts',
      },
      format: 'cjs',
      outfile: `dist/fast-${name}.cjs`,
    }),
  ),
  // The keyring helper process's program, on its own: the vault starts it as `node dist/keyring-helper.mjs`.
  build({
    ...common,
    entryPoints: ['src/store/keyring/helper.ts'],
    format: 'esm',
    outfile: 'dist/keyring-helper.mjs',
    // Native: loaded from node_modules as it is.
    external: ['@napi-rs/keyring'],
    plugins: [builtinsWithoutNamespaces],
  }),
  build({
    ...common,
    entryPoints: { 'cli/cli': 'src/cli-entry.ts', index: 'src/index.ts' },
    format: 'esm',
    splitting: true,
    outdir: 'dist',
    chunkNames: 'chunks/[name]-[hash]',
    // Native: loaded from node_modules as it is, and only by keyring profiles.
    external: ['@napi-rs/keyring'],
    plugins: [builtinsWithoutNamespaces],
  }),
]);

// Help as the full CLI prints it off a terminal, for every command, so the launcher can answer `--help` without
// loading the CLI. Rendered by the CLI itself, so the two can never differ; the commands are the program's own.
const cli = new URL('../dist/cli/cli.js', import.meta.url).pathname;
const render = (args) =>
  execFileSync(process.execPath, [cli, ...args, '--help'], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
const { buildProgram } = await loadDefinitions();
// Building the program only declares commands: nothing runs, so the app it is given is never used.
const program = buildProgram({});
const help = { '': render([]) };
for (const command of program.commands) {
  help[command.name()] = render([command.name()]);
  for (const sub of command.commands) help[`${command.name()} ${sub.name()}`] = render([command.name(), sub.name()]);
}
writeFileSync(new URL('../dist/help.json', import.meta.url), `${JSON.stringify(help)}\n`);
