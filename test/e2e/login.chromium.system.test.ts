import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PodioEmulator } from '../../src/emulator/podio-emulator.js';
import { ROOT, Sandbox, startCli } from '../support/cli.js';

/**
 * The login end to end in a real browser: Debian's Chromium, opened by the CLI itself through BROWSER, on the
 * emulator's authorize page; the test clicks like a person and Chromium follows the redirect to the callback.
 * Never a downloaded browser. Screenshots go to test-artifacts/ (not committed).
 */

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const ARTIFACTS = join(ROOT, 'test-artifacts');
// CI installs Chromium and sets this, so that there a missing browser fails the run instead of skipping quietly.
const required = process.env['PODIO_AUTH_REQUIRE_CHROMIUM'] === '1';
if (!available) {
  console.warn(
    `\n*** Chromium end-to-end tests SKIPPED: ${CHROMIUM} not found. Install it with \`apt-get install chromium\` (.ci/run does). ***\n`,
  );
}

it.runIf(required)('Chromium is installed where CI requires it', () => {
  expect(existsSync(CHROMIUM)).toBe(true);
});

async function waitForFile(path: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      if (text.includes('\n')) return text;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} did not appear within ${timeoutMs} ms`);
}

/** Chromium processes started with this profile directory (the CLI started them, detached). */
function chromiumProcesses(userDataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(`--user-data-dir=${userDataDir}`))
        pids.push(Number(entry));
    } catch {
      // gone already
    }
  }
  return pids;
}

async function loginInChromium(decision: 'grant' | 'deny') {
  const emulator = await new PodioEmulator({ decision: 'ask' }).start();
  const sandbox = new Sandbox(emulator);
  const userDataDir = mkdtempSync(join(tmpdir(), 'podio-auth-chromium-'));
  const flags = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--remote-debugging-port=0',
    `--user-data-dir=${userDataDir}`,
  ];
  const cli = startCli(['login', '--timeout', '60'], sandbox.env({ BROWSER: [CHROMIUM, ...flags].join(' ') }));
  let browser: Browser | undefined;
  try {
    // Chromium writes its DevTools port here once it listens.
    const [port] = (await waitForFile(join(userDataDir, 'DevToolsActivePort'), 20_000)).split('\n');
    browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
    const context = browser.contexts()[0]!;
    const page =
      context.pages().find((p) => p.url().includes('/oauth/authorize')) ??
      context.pages()[0] ??
      (await context.waitForEvent('page'));
    const button = page.locator(`button[value=${decision}]`);
    await button.waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `authorize-${decision}.png`) });
    await Promise.all([page.waitForURL(/\/callback\//), button.click()]);
    const heading = await page.locator('h1').textContent();
    await page.screenshot({ path: join(ARTIFACTS, `callback-${decision}.png`) });
    const result = await cli.done;
    return { result, heading, sandbox, emulator };
  } finally {
    if (browser) {
      const closed = new Promise((resolve) => browser?.once('disconnected', resolve));
      const session = await browser.newBrowserCDPSession();
      await session.send('Browser.close').catch(() => {});
      await closed;
    }
    if (cli.child.exitCode === null) cli.child.kill('SIGINT');
    await emulator.stop();
    // Chromium's helper processes outlive the connection for a moment; the profile goes once they are gone.
    for (const pid of chromiumProcesses(userDataDir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    rmSync(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

describe.skipIf(!available)('login in a real browser (Chromium)', () => {
  it('Grant access: the success page renders, the CLI exits 0 with the tokens stored', async () => {
    const { result, heading, sandbox, emulator } = await loginInChromium('grant');
    try {
      expect(heading).toBe('Logged in to Podio');
      expect(result.code).toBe(0);
      expect(emulator.isValidAccessToken(sandbox.readConfig().profiles['default']!['access_token'] as string)).toBe(
        true,
      );
    } finally {
      sandbox.cleanup();
    }
  }, 60_000);

  it('Deny: the denied page renders, the CLI exits 3 and stores nothing', async () => {
    const { result, heading, sandbox } = await loginInChromium('deny');
    try {
      expect(heading).toBe('Access denied');
      expect(result.code).toBe(3);
      expect(existsSync(sandbox.configFile)).toBe(false);
    } finally {
      sandbox.cleanup();
    }
  }, 60_000);
});
