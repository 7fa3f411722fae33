import { spawn } from 'node:child_process';
import type { Env } from '../env.js';
import { withoutSecrets } from '../secrets.js';
import { detectEnvironment, findOnPath } from './environment.js';

/**
 * Opens a URL in the user's browser. `BROWSER`, when set, is a command run with the URL as its last argument
 * (or in place of `%s`), without a shell; otherwise `wslview` in WSL where it is installed, else the system opener
 * (the `open` package). The opener's own
 * output is discarded: stdout belongs to data, and browsers are chatty.
 */
export type BrowserOpener = (url: string) => Promise<void>;

/** Splits a command line the way a shell would for plain words, single and double quotes; nothing else. */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i] as string;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < command.length) current += command[++i];
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < command.length) {
      current += command[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

export function browserCommand(browserEnv: string, url: string): string[] {
  const words = splitCommand(browserEnv);
  return words.includes('%s') ? words.map((word) => (word === '%s' ? url : word)) : [...words, url];
}

function spawnDetached(argv: string[], env: Env): Promise<void> {
  const [command, ...args] = argv;
  if (!command) return Promise.reject(new Error('BROWSER is empty'));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: 'ignore',
      detached: process.platform !== 'win32',
      env: withoutSecrets(env),
    });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

export function createBrowserOpener(env: Env): BrowserOpener {
  return async (url) => {
    const fromEnv = env['BROWSER'];
    if (fromEnv && fromEnv.trim() !== '') {
      await spawnDetached(browserCommand(fromEnv, url), env);
      return;
    }
    // In WSL, wslview (wslu) hands the URL to the Windows browser; `open` can too, through PowerShell.
    const wslview = detectEnvironment(env).wsl ? findOnPath('wslview', env) : undefined;
    if (wslview) {
      await spawnDetached([wslview, url], env);
      return;
    }
    const { default: open } = await import('open');
    const child = await open(url, { wait: false });
    await new Promise<void>((resolve, reject) => {
      if (child.pid !== undefined) {
        child.unref();
        resolve();
        return;
      }
      child.once('error', reject);
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
    });
  };
}
