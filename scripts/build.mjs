#!/usr/bin/env node
import { rmSync } from 'node:fs';
// Bundles what the launcher loads: `token`'s fast path (one small CommonJS file) and the CLI (one ES module file,
// with what only some commands need — undici, open, the emulator, the login flow — split into chunks loaded on
// first use). The library (`dist/index.js`) and its types come from tsc.
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', legalComments: 'none' };

rmSync(new URL('../dist/cli', import.meta.url), { recursive: true, force: true });
await Promise.all([
  build({ ...common, entryPoints: ['src/fast-token.ts'], format: 'cjs', outfile: 'dist/fast-token.cjs' }),
  build({
    ...common,
    entryPoints: { cli: 'src/cli-entry.ts' },
    format: 'esm',
    splitting: true,
    outdir: 'dist/cli',
    chunkNames: 'chunks/[name]-[hash]',
    // Native: loaded from node_modules as it is, and only by keyring profiles.
    external: ['@napi-rs/keyring'],
    // Bundled CommonJS (commander) calls require() for Node's own modules.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  }),
]);
