#!/usr/bin/env node
// The whole flow offline, with no Podio account: start the emulator, log in against it, then `token` and
// `status`, all in a throwaway config dir. Where a browser can open, the login is yours to click; where none can
// (no display, SSH), the login runs with --no-browser, as you would run it there, and a scripted user opens the
// address it prints and clicks "Grant access", following the same redirects a browser would.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { importFromSources } from './load-definitions.mjs';

const { DEMO_CLIENT, PodioEmulator, detectEnvironment } = await importFromSources([
  "export { DEMO_CLIENT, PodioEmulator } from './src/emulator/podio-emulator.ts';",
  "export { detectEnvironment } from './src/platform/environment.ts';",
]);

const bin = fileURLToPath(new URL('../bin/podio-auth.js', import.meta.url));
const scriptedUser = fileURLToPath(new URL('./scripted-user.mjs', import.meta.url));
const bold = process.stderr.isTTY && !process.env.NO_COLOR;
const say = (text) => process.stderr.write(bold ? `\n\u001b[1m» ${text}\u001b[22m\n` : `\n» ${text}\n`);

function run(args, env, stdio = ['ignore', 'pipe', 'inherit']) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio, env });
    let stdout = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout }));
  });
}

/**
 * `login --no-browser`, with the scripted user as the person who opens the address it prints. Its lines are
 * passed on as they come, except while the scripted user is at work: those wait until it is done, so that each
 * step shows in the order it happened ("clicked", then "Logged in").
 */
function loginWithScriptedUser(env) {
  return new Promise((resolve, reject) => {
    const login = spawn(process.execPath, [bin, 'login', '--no-browser', '--timeout', '120'], {
      // Nothing is pasted here: the scripted user clicks, and the login's standard input is closed.
      stdio: ['ignore', 'ignore', 'pipe'],
      env,
    });
    login.once('error', reject);
    let address;
    let held;
    let userDone = Promise.resolve();
    const show = (line) => process.stderr.write(`${line}\n`);
    const release = () => {
      for (const waiting of held ?? []) show(waiting);
      held = undefined;
    };
    const lines = createInterface({ input: login.stderr });
    lines.on('line', (line) => {
      // The offer to paste on standard input is for a person; this login's input is closed.
      const shown = line.replace(/ ?You can also paste the address the browser ended on, on standard input\./, '');
      if (held) {
        held.push(shown);
        return;
      }
      show(shown);
      address ??= /^\s+(http\S+\/oauth\/authorize\?\S+)$/.exec(line)?.[1];
      if (address && /^Waiting\b/.test(line)) {
        held = [];
        const user = spawn(process.execPath, [scriptedUser, address], { stdio: ['ignore', 'inherit', 'inherit'] });
        userDone = new Promise((done) => {
          user.once('error', done);
          user.once('close', done);
        }).then(release);
      }
    });
    // Both done: the login (its last lines read) and the scripted user (its lines shown before the login's).
    const loginDone = new Promise((done) => login.once('close', done));
    const linesDone = new Promise((done) => lines.once('close', done));
    Promise.all([loginDone, linesDone])
      .then(([code]) => userDone.then(() => code))
      .then((code) => {
        release();
        resolve({ code });
      }, reject);
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
  let login;
  if (env.BROWSER || where.canOpenBrowser) {
    say('podio-auth login   (your browser opens the emulator\'s authorize page: click "Grant access")');
    login = await run(['login', '--timeout', '120'], env, ['inherit', 'ignore', 'inherit']);
  } else {
    say(
      `No browser can open here (${where.reason}). So the demo logs in with --no-browser, and a scripted user opens the address it prints, clicks "Grant access" and follows the redirects back, as a browser would.`,
    );
    say('podio-auth login --no-browser');
    login = await loginWithScriptedUser(env);
  }
  if (login.code !== 0) throw new Error(`login exited ${login.code}`);

  say('podio-auth token   (prints the access token on stdout, for $(…) in scripts)');
  const token = await run(['token'], env);
  if (token.code !== 0) throw new Error(`token exited ${token.code}`);
  process.stdout.write(token.stdout);

  say('podio-auth status');
  const status = await run(['status'], env);
  if (status.code !== 0) throw new Error(`status exited ${status.code}`);
  process.stdout.write(status.stdout);
  say('Done. Against the real Podio: create an API key, then `podio-auth login` (see the README).');
} catch (error) {
  failed = true;
  process.stderr.write(`demo failed: ${error.message}\n`);
} finally {
  await emulator.stop();
  rmSync(configDir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
