#!/usr/bin/env node
// The whole flow offline, with no Podio account: start the emulator, log in against it (in the real browser where
// one can open; else a scripted user clicks "Grant access", following the same redirects), then `token` and
// `status`, all in a throwaway config dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_CLIENT, PodioEmulator } from '../dist/emulator/podio-emulator.js';
import { detectEnvironment } from '../dist/platform/environment.js';

const bin = fileURLToPath(new URL('../bin/podio-auth.js', import.meta.url));
const scriptedUser = fileURLToPath(new URL('./scripted-user.mjs', import.meta.url));
const bold = process.stderr.isTTY && !process.env.NO_COLOR;
const say = (text) => process.stderr.write(bold ? `\n\u001b[1m» ${text}\u001b[22m\n` : `\n» ${text}\n`);

function run(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

const emulator = await new PodioEmulator({ decision: 'ask' }).start();
const configDir = mkdtempSync(join(tmpdir(), 'podio-auth-demo-'));
const env = {
  ...process.env,
  PODIO_AUTH_URL: emulator.url,
  PODIO_API_URL: emulator.url,
  PODIO_CLIENT_ID: DEMO_CLIENT.clientId,
  PODIO_CLIENT_SECRET: DEMO_CLIENT.clientSecret,
  PODIO_AUTH_CONFIG_DIR: configDir,
  PODIO_PROFILE: 'demo',
};
let failed = false;
try {
  say(`A Podio emulator is listening on ${emulator.url}; tokens go to ${configDir}`);
  const where = detectEnvironment(env);
  if (env.BROWSER || where.canOpenBrowser) {
    say('Logging in: your browser opens the emulator\'s authorize page. Click "Grant access".');
  } else {
    say(
      `No browser can open here (${where.reason}): a scripted user will click "Grant access", following the same HTTP redirects.`,
    );
    env.BROWSER = `"${process.execPath}" "${scriptedUser}"`;
  }
  const login = await run(['login', '--timeout', '120'], env);
  if (login.code !== 0) throw new Error(`login exited ${login.code}`);

  say('podio-auth token   (prints the access token on stdout, for $(…) in scripts)');
  const token = await run(['token'], env);
  if (token.code !== 0) throw new Error(`token exited ${token.code}`);
  process.stdout.write(token.stdout);

  say('podio-auth status');
  const status = await run(['status'], env);
  if (status.code !== 0) throw new Error(`status exited ${status.code}`);
  process.stdout.write(status.stdout);
  say('Done. Against the real Podio: create an API key, then `npx podio-auth login` (see the README).');
} catch (error) {
  failed = true;
  process.stderr.write(`demo failed: ${error.message}\n`);
} finally {
  await emulator.stop();
  rmSync(configDir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
