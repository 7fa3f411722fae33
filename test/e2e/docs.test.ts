import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ROOT, runMain } from '../support/cli.js';

/**
 * The documentation stays true: the link check and the reference's freshness check that `npm run check` runs catch
 * what they are for, and the README, docs/ and the help agree where they say the same thing.
 */

function node(script: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT }, (error, _stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
    );
  });
}

/** A documentation tree of its own: the README and pages under docs/, as given. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'podio-auth-docs-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

const checkLinks = (root: string) => node('scripts/check-links.mjs', [root]);

describe('the link check', () => {
  it("passes on this repository's documentation", async () => {
    const result = await checkLinks(ROOT);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('passes on good links, and reports a missing file, a missing anchor and a page no link leads to', async () => {
    const good = tree({
      'README.md': '# Top\n\nSee [a](docs/a.md#the-part-two), [top](#top) and [site](https://example.com/x).\n',
      'docs/a.md': '# A\n\n## The `part` two\n\nBack to [the README](../README.md).\n',
    });
    expect(await checkLinks(good)).toEqual({ code: 0, stderr: '' });

    const bad = tree({
      'README.md': '# Top\n\nSee [a](docs/a.md#nowhere) and [b](docs/b.md).\n',
      'docs/a.md': '# A\n',
      'docs/lost.md': '# Lost\n',
    });
    const result = await checkLinks(bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('README.md:3: docs/a.md#nowhere: no heading makes the anchor #nowhere');
    expect(result.stderr).toContain('README.md:3: docs/b.md: no such file');
    expect(result.stderr).toContain('docs/lost.md: no link leads to it from README.md');
  });

  it('takes no heading from a code block, and no link from code', async () => {
    const root = tree({
      'README.md': '# Top\n\n```sh\n## Inside\n```\n\n[in](#inside) and `[x](missing.md)`\n',
    });
    const result = await checkLinks(root);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('#inside: no heading makes the anchor #inside');
    expect(result.stderr).not.toContain('missing.md');
  });
});

describe('the reference', () => {
  it('is generated from the CLI: the check fails on a stale copy, rewrites it, and then passes', async () => {
    const committed = readFileSync(join(ROOT, 'docs', 'reference.md'), 'utf8');
    const copy = join(tree({}), 'reference.md');
    writeFileSync(copy, committed.replace('| `--min-ttl <seconds>`', '| `--old-option`'));
    const stale = await node('scripts/reference.mjs', ['--check', copy]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/was out of date with the CLI; it has been regenerated\./);
    expect(readFileSync(copy, 'utf8')).toBe(committed);
    expect(await node('scripts/reference.mjs', ['--check', copy])).toEqual({ code: 0, stderr: '' });
  });

  it("holds every command and option of the CLI's help", async () => {
    const reference = readFileSync(join(ROOT, 'docs', 'reference.md'), 'utf8');
    const top = await runMain(['--help'], { PATH: process.env['PATH'] });
    const commands = [...(top.stdout.split('\nCommands:\n')[1] ?? '').matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]);
    expect(commands).toEqual(expect.arrayContaining(['login', 'token', 'api', 'profiles']));
    for (const command of commands) {
      if (command === 'help') continue;
      const help = await runMain([command as string, '--help'], { PATH: process.env['PATH'] });
      expect(reference, command).toContain(`### \`podio-auth ${command}\``);
      for (const [, flag] of help.stdout.matchAll(/^ {2}(-[^ ]+(?: <[^>]+>| \[[^\]]+\])?)/gm)) {
        expect(reference, `${command} ${flag}`).toContain(flag as string);
      }
    }
  });
});

describe('the docs and the help agree', () => {
  it('on the commands env-only mode covers', async () => {
    const help = await runMain(['--help'], { PATH: process.env['PATH'] });
    const inHelp = /Env-only mode \([^)]*\), for (.*) without --profile/.exec(help.stdout)?.[1];
    const ci = readFileSync(join(ROOT, 'docs', 'ci.md'), 'utf8');
    const inDocs = /With no `--profile`, (.*) take credentials from the environment/.exec(ci.replace(/\n/g, ' '))?.[1];
    const names = (text: string | undefined) =>
      [...(text ?? '').matchAll(/\b(token|status|exec|api|export)\b/g)].map((m) => m[1]).sort();
    expect(names(inHelp)).toEqual(['api', 'exec', 'status', 'token']);
    expect(names(inDocs)).toEqual(names(inHelp));
  });

  it('every page under docs/ starts with a title and a line on what it is for', () => {
    for (const page of readdirSync(join(ROOT, 'docs')).filter((file) => file.endsWith('.md'))) {
      const [title, blank, first] = readFileSync(join(ROOT, 'docs', page), 'utf8').split('\n');
      expect(title, page).toMatch(/^# \S/);
      expect(blank, page).toBe('');
      expect(first, page).toMatch(/^\S/);
    }
  });

  it('the README stays a landing page: at most 1,500 words, install and the API key before the commands', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme.split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(1500);
    const at = (heading: string) => readme.indexOf(`\n## ${heading}`);
    expect(at('Set up')).toBeGreaterThan(0);
    expect(at('A Podio API key')).toBeGreaterThan(at('Set up'));
    expect(at('Quick start')).toBeGreaterThan(at('A Podio API key'));
    expect(readme).toMatch(/^npm test\b/m);
  });
});
