#!/usr/bin/env node
// How much a `podio-auth token` call costs with a valid stored token, against the floor any such tool has:
// a bare `node -e` that reads and parses the same config.json. Runs the two alternately, in pairs, and prints
// the median of the per-pair ratios (pairs cancel out drift in machine load).
// Usage: npm run bench [-- --runs 60]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 40;
const bin = fileURLToPath(new URL('../bin/podio-auth.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'podio-auth-bench-'));
const configDir = join(root, 'config');
mkdirSync(configDir, { mode: 0o700 });
const configFile = join(configDir, 'config.json');
const token = 'a'.repeat(128);
writeFileSync(
  configFile,
  JSON.stringify(
    {
      profiles: {
        default: {
          grant: 'authorization_code',
          client_id: 'bench',
          client_secret: 'bench-secret',
          api_url: 'https://api.podio.com',
          access_token: token,
          token_type: 'bearer',
          expires_at: new Date(Date.now() + 8 * 3600_000).toISOString(),
          refresh_token: 'r'.repeat(64),
          obtained_at: new Date().toISOString(),
        },
      },
    },
    null,
    '\t',
  ),
  { mode: 0o600 },
);

const env = { PATH: process.env.PATH, HOME: root, PODIO_AUTH_CONFIG_DIR: configDir };
const baseline = [
  process.execPath,
  ['-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(configFile)}, 'utf8'))`],
];
const candidate = [process.execPath, [bin, 'token']];

function time([file, args]) {
  const start = process.hrtime.bigint();
  const result = spawnSync(file, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

try {
  if (time(candidate).stdout !== `${token}\n`) throw new Error('podio-auth token did not print the stored token');
  for (let i = 0; i < 5; i++) time(i % 2 ? baseline : candidate); // warm the file cache
  const base = [];
  const cand = [];
  const ratios = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so neither always runs on a machine the other has just warmed.
    const [b, c] = i % 2 ? [time(baseline).ms, time(candidate).ms] : [time(candidate).ms, time(baseline).ms].reverse();
    base.push(b);
    cand.push(c);
    ratios.push(c / b);
  }
  console.log(`node -e read+parse config.json: median ${median(base).toFixed(1)} ms`);
  console.log(`podio-auth token:               median ${median(cand).toFixed(1)} ms`);
  console.log(`ratio (median of ${runs} paired runs): ${median(ratios).toFixed(3)}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
