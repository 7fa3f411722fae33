#!/usr/bin/env node
// `npm pack` packs package.json as it is on disk. A clone wants `prepare` (so that `npm ci` builds); the package
// must not carry it (npm warns about install scripts, and there is no source to build from). So `prepack` writes
// the package's manifest in place, without it, and `postpack` puts the clone's back. A pack that died between the
// two leaves the copy to restore from, which the next `prepack` puts back first.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const manifest = new URL('../package.json', import.meta.url);
const cacheDir = new URL('../node_modules/.cache/', import.meta.url);
const saved = new URL('package.json.clone', cacheDir);

const restore = () => {
  if (existsSync(saved)) renameSync(saved, manifest);
};

if (process.argv[2] === 'strip') {
  restore();
  mkdirSync(cacheDir, { recursive: true });
  copyFileSync(manifest, saved);
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  delete pkg.scripts.prepare;
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (process.argv[2] === 'restore') {
  restore();
} else {
  console.error('usage: pack-manifest.mjs strip|restore');
  process.exit(2);
}
