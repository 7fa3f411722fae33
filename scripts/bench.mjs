#!/usr/bin/env node
// What each command costs against its floor — what any tool doing the same must pay — as medians of paired,
// alternating runs (pairs cancel out drift in machine load), and the peak memory of `token` against a bare node.
// Usage: npm run bench [-- --runs 100] [-- --only exec]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEmulator } from './load-definitions.mjs';

const runsArg = process.argv.indexOf('--runs');
// 100 pairs, for a steadier median than 40 gave; on a shared 2-core machine a ratio still moves by about ±0.02 from
// run to run, so judge a row by more than one run.
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 100;
const onlyArg = process.argv.indexOf('--only');
// Rows whose name holds this text; the others are not run (for working on one of them).
const only = onlyArg > 0 ? process.argv[onlyArg + 1] : '';
const bin = fileURLToPath(new URL('../bin/podio-auth.js', import.meta.url));
const peakProbe = fileURLToPath(new URL('./peak-rss.cjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'podio-auth-bench-'));
const configDir = join(root, 'config');
mkdirSync(configDir, { mode: 0o700 });
// As a user's home has one: where Node 22+ keeps the compiled code the launcher asks it to keep.
mkdirSync(join(root, '.cache'), { mode: 0o700 });
const configFile = join(configDir, 'config.json');
const { PodioEmulator } = await loadEmulator();
const emulator = await new PodioEmulator({ rotateRefreshTokens: false }).start();
const issued = emulator.issueTokens();

function writeConfig(expiresAt) {
  const profile = {
    grant: 'authorization_code',
    client_id: emulator.options.clientId,
    client_secret: emulator.options.clientSecret,
    api_url: emulator.url,
    auth_url: emulator.url,
    access_token: issued.access_token,
    token_type: 'bearer',
    expires_at: expiresAt.toISOString(),
    refresh_token: issued.refresh_token,
    obtained_at: new Date(expiresAt.getTime() - 8 * 3600_000).toISOString(),
  };
  writeFileSync(configFile, JSON.stringify({ profiles: { default: profile } }, null, '\t'), { mode: 0o600 });
}
const valid = () => writeConfig(new Date(Date.now() + 8 * 3600_000));
const expired = () => writeConfig(new Date(Date.now() - 60_000));

const env = { PATH: process.env.PATH, HOME: root, PODIO_AUTH_CONFIG_DIR: configDir };
const readConfig = `JSON.parse(require('fs').readFileSync(${JSON.stringify(configFile)}, 'utf8'))`;
// What any refresh must do: read the profile, POST the grant, write the answer atomically.
const bareRefresh = `
const fs = require('fs');
const file = ${JSON.stringify(configFile)};
const config = JSON.parse(fs.readFileSync(file, 'utf8'));
const p = config.profiles.default;
fetch(p.api_url + '/oauth/token/v2', { method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: p.refresh_token, client_id: p.client_id, client_secret: p.client_secret }) })
  .then((r) => r.json()).then((t) => {
    Object.assign(p, { access_token: t.access_token, expires_at: new Date(Date.now() + t.expires_in * 1000).toISOString() });
    const tmp = file + '.tmp-bench';
    const fd = fs.openSync(tmp, 'w', 0o600); fs.writeSync(fd, JSON.stringify(config)); fs.fsyncSync(fd); fs.closeSync(fd);
    fs.renameSync(tmp, file); process.stdout.write(t.access_token + '\\n');
  });`;

/** Runs a command to its end without blocking this process (the emulator answers from here). */
function time([file, args], options = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(file, args, { env: { ...env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ ms, stdout, stderr });
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function compare(name, candidate, floor, prepare, limit) {
  if (!name.includes(only)) return undefined;
  for (let i = 0; i < 3; i++) {
    prepare();
    await time(candidate);
    prepare();
    await time(floor);
  }
  const ratios = [];
  const cand = [];
  const base = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so neither always runs on a machine the other has just warmed.
    const order = i % 2 ? [floor, candidate] : [candidate, floor];
    const times = [];
    for (const command of order) {
      prepare();
      times.push((await time(command)).ms);
    }
    const [c, b] = i % 2 ? [times[1], times[0]] : [times[0], times[1]];
    cand.push(c);
    base.push(b);
    ratios.push(c / b);
  }
  const ratio = median(ratios);
  return { name, candidate: median(cand), floor: median(base), ratio, limit, ok: ratio <= limit };
}

async function peakMemory() {
  if (!'peak memory of token (KiB)'.includes(only)) return undefined;
  const rss = async (command) => {
    const samples = [];
    for (let i = 0; i < 10; i++) {
      valid();
      const { stderr } = await time(command, { env: { NODE_OPTIONS: `--require=${peakProbe}` } });
      samples.push(Number(/peak-rss=(\d+)/.exec(stderr)?.[1]));
    }
    return median(samples);
  };
  const candidate = await rss([process.execPath, [bin, 'token']]);
  const floor = await rss([process.execPath, ['-e', '0']]);
  return {
    name: 'peak memory of token (KiB)',
    candidate,
    floor,
    ratio: candidate / floor,
    limit: 1.1,
    ok: candidate / floor <= 1.1,
  };
}

try {
  valid();
  if ((await time([process.execPath, [bin, 'token']])).stdout !== `${issued.access_token}\n`) {
    throw new Error('podio-auth token did not print the stored token');
  }
  const node = (args) => [process.execPath, args];
  const results = [
    await compare('token (valid)', node([bin, 'token']), node(['-e', readConfig]), valid, 1.1),
    // What any exec must pay besides: starting the command, which with Node's public API (child_process) costs more
    // than reading the config does. So its floor reads the config and runs `true` too.
    await compare(
      'exec -- true (valid)',
      node([bin, 'exec', '--', 'true']),
      node(['-e', `${readConfig}; require('child_process').spawn('true', { stdio: 'inherit' })`]),
      valid,
      1.25,
    ),
    await compare('export (valid)', node([bin, 'export']), node(['-e', readConfig]), valid, 1.25),
    await compare('--help', node([bin, '--help']), node(['-e', '0']), valid, 1.3),
    await compare('token (refreshing)', node([bin, 'token']), node(['-e', bareRefresh]), expired, 1.3),
    await peakMemory(),
  ].filter((result) => result !== undefined);
  const rows = results.map((r) => {
    const unit = r.name.startsWith('peak') ? '' : ' ms';
    return `| ${r.name} | ${r.candidate.toFixed(1)}${unit} | ${r.floor.toFixed(1)}${unit} | ${r.ratio.toFixed(3)} | ≤ ${r.limit} | ${r.ok ? 'ok' : 'OVER'} |`;
  });
  console.log(`Medians of ${runs} paired, alternating runs (Node ${process.versions.node}):\n`);
  console.log('| command | podio-auth | floor | ratio | limit | |');
  console.log('|---|---|---|---|---|---|');
  console.log(rows.join('\n'));
  console.log(
    '\nFloors: `node -e` reading config.json (token, export; exec: and starting `true`); `node -e 0` (--help, memory); a bare node script',
  );
  console.log('doing the same refresh with fetch and an atomic write (refreshing token).');
  if (results.some((r) => !r.ok)) process.exitCode = 1;
} finally {
  await emulator.stop();
  rmSync(root, { recursive: true, force: true });
}
