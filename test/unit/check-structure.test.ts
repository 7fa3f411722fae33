import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const script = join(repo, 'scripts', 'check-structure.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'podio-auth-structure-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const LAYER =
  'store/, podio/, http and platform/ import nothing from ui/, commands/, usecases/, interop/ or what wires them (index, main, cli, fast-path, real-deps, process-signals)';

/** A tree with the repository's own biome.json (the rules under test) and these files. */
function tree(name: string, files: Record<string, string>): string {
  const root = join(scratch, name);
  mkdirSync(root);
  copyFileSync(join(repo, 'biome.json'), join(root, 'biome.json'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

async function check(root: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, root], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

const lines = (count: number, make: (n: number) => string) => Array.from({ length: count }, (_, n) => make(n));
/** A function whose first and last lines are `count` lines apart, inclusive. */
const functionOf = (name: string, count: number) =>
  [`export function ${name}(): number {`, ...lines(count - 3, (n) => `  const v${n} = ${n};`), '  return 0;', '}'].join(
    '\n',
  );
/** The same length, most of it one template literal (which Biome's own rule counts as one line). */
const functionWithScript = (name: string, count: number) =>
  [`export const ${name} = (): string => \``, ...lines(count - 2, (n) => `echo ${n}`), '`;'].join('\n');

const clean = {
  'src/domain/profile.ts': "import { isText } from './text.js';\nexport const profile = isText('a');\n",
  'src/domain/text.ts': "export const isText = (value: unknown) => typeof value === 'string';\n",
  'src/store/file.ts': "import { profile } from '../domain/profile.js';\nexport const stored = profile;\n",
  'src/ui/show.ts': "import { stored } from '../store/file.js';\nexport const shown = stored;\n",
  'src/commands/run.ts':
    "import { shown } from '../ui/show.js';\nexport const run = async () => (await import('../ui/show.js')).shown || shown;\n",
  'src/at-limit.ts': `${lines(400, (n) => `export const c${n} = ${n};`).join('\n')}\n`,
  'src/functions.ts': `${functionOf('eighty', 80)}\n${functionWithScript('alsoEighty', 80)}\n`,
};

describe('scripts/check-structure.mjs', () => {
  it('passes a tree within the limits: 400-line files, 80-line functions, inward imports', async () => {
    const result = await check(tree('clean', clean));
    expect(result).toEqual({ code: 0, stdout: '', stderr: 'structure: no violations\n' });
  });

  it('reports each breach as path:line: what, and exits 1', async () => {
    const root = tree('breaches', {
      ...clean,
      'src/too-long.ts': `${lines(401, (n) => `export const c${n} = ${n};`).join('\n')}\n`,
      'src/long-functions.ts': [
        functionOf('plain', 81),
        'export const holder = {',
        `  method() {\n${lines(80, (n) => `    void ${n};`).join('\n')}\n  },`,
        '};',
        functionWithScript('script', 81),
        '',
      ].join('\n'),
      'src/cycle/first.ts': "export const first = async () => (await import('./second.js')).second;\n",
      'src/cycle/second.ts': "import { first } from './first.js';\nexport const second = first;\n",
      'src/domain/leak.ts': "import { shown } from '../ui/show.js';\nexport const leak = shown;\n",
      'src/store/up.ts': "import { shown } from '../ui/show.js';\nexport const up = shown;\n",
      'src/store/redis/deep.ts': "export { run } from '../../commands/run.js';\n",
      'src/podio/up.ts': "import type { Use } from '../usecases/use.js';\nexport type Up = Use;\n",
      'src/usecases/use.ts': 'export type Use = number;\n',
      'src/http.ts': "export const h = async () => (await import('./interop/glue.js')).glue;\n",
      'src/interop/glue.ts': 'export const glue = 1;\n',
      'src/platform/up.ts': "import { run } from '../commands/run.js';\nexport const up = run;\n",
      // What wires the layers together is above them all, though it is no folder.
      'src/index.ts': "export { run } from './commands/run.js';\n",
      'src/store/entry.ts': "import { run } from '../index.js';\nexport const entry = run;\n",
      // A cycle of types alone is a cycle too: the files cannot be understood one without the other.
      'src/types/a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
      'src/types/b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
    });
    const result = await check(root);
    expect(result.stdout.split('\n')).toEqual([
      "src/cycle/first.ts:1: import './second.js' is part of an import cycle",
      "src/cycle/second.ts:1: import './first.js' is part of an import cycle",
      "src/domain/leak.ts:1: import '../ui/show.js': domain/ imports nothing else of src/",
      `src/http.ts:1: import './interop/glue.js': ${LAYER}`,
      'src/long-functions.ts:1: function plain has 81 lines (limit 80)',
      'src/long-functions.ts:83: function method has 82 lines (limit 80)',
      'src/long-functions.ts:166: function script has 81 lines (limit 80)',
      `src/platform/up.ts:1: import '../commands/run.js': ${LAYER}`,
      `src/podio/up.ts:1: import '../usecases/use.js': ${LAYER}`,
      `src/store/entry.ts:1: import '../index.js': ${LAYER}`,
      `src/store/redis/deep.ts:1: import '../../commands/run.js': ${LAYER}`,
      `src/store/up.ts:1: import '../ui/show.js': ${LAYER}`,
      'src/too-long.ts:1: file has 401 lines (limit 400)',
      "src/types/a.ts:1: import './b.js' is part of an import cycle",
      "src/types/b.ts:1: import './a.js' is part of an import cycle",
      '',
    ]);
    expect(result.stderr).toBe('structure: 15 violation(s)\n');
    expect(result.code).toBe(1);
  });

  it('exits 2, naming the problem, when there is no src/ to check', async () => {
    const result = await check(join(scratch, 'nowhere'));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^structure: the check could not run: cannot read .*nowhere.src: ENOENT\n$/);
  });
});
