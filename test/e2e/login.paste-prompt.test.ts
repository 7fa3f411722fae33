import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { displayWidth, rowsAboveAfterEnter, showWaiting } from '../../src/login/waiting.js';
import { createMessages } from '../../src/ui/messages.js';

/**
 * A terminal `columns` wide, enough of one to check what stays on the screen: printable characters wrap (xterm's
 * deferred wrap: the cursor waits in the last column until the next character), CR, LF, cursor moves (CSI A, B, C,
 * D, G), erase below (CSI J) and in line (CSI K); colours (CSI m) are ignored. Rows never scroll off.
 */
class FakeTerminal extends Writable {
  readonly isTTY = true;
  readonly rows: string[][] = [[]];
  private row = 0;
  private column = 0;
  private wrapPending = false;

  constructor(readonly columns: number) {
    super({ decodeStrings: false });
  }

  override _write(chunk: Buffer | string, _encoding: string, done: () => void): void {
    this.feed(chunk.toString());
    done();
  }

  /** The screen's text, one string per row, trailing blanks and empty last rows dropped. */
  screen(): string[] {
    const lines = this.rows.map((cells) =>
      cells
        .map((cell) => cell ?? ' ')
        .join('')
        .trimEnd(),
    );
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines;
  }

  private line(): string[] {
    while (this.rows.length <= this.row) this.rows.push([]);
    return this.rows[this.row] as string[];
  }

  private feed(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const character = text[i] as string;
      if (character === '\u001b' && text[i + 1] === '[') {
        const match = /^\u001b\[([?\d;]*)([A-Za-z])/.exec(text.slice(i));
        if (!match) throw new Error(`unknown escape at ${JSON.stringify(text.slice(i, i + 10))}`);
        this.control(match[2] as string, Number.parseInt(match[1] || '0', 10));
        i += match[0].length - 1;
      } else if (character === '\r') {
        this.column = 0;
        this.wrapPending = false;
      } else if (character === '\n') {
        this.row++;
        this.wrapPending = false;
        this.line();
      } else {
        if (this.wrapPending) {
          this.row++;
          this.column = 0;
          this.wrapPending = false;
        }
        this.line()[this.column] = character;
        if (this.column === this.columns - 1) this.wrapPending = true;
        else this.column++;
      }
    }
  }

  private control(command: string, n: number): void {
    this.wrapPending = false;
    const count = Math.max(1, n);
    if (command === 'A') this.row = Math.max(0, this.row - count);
    else if (command === 'B') this.row += count;
    else if (command === 'C') this.column = Math.min(this.columns - 1, this.column + count);
    else if (command === 'D') this.column = Math.max(0, this.column - count);
    else if (command === 'G') this.column = Math.min(this.columns - 1, count - 1);
    else if (command === 'J' && n === 0) {
      this.line().length = this.column;
      this.rows.length = this.row + 1;
    } else if (command === 'K') {
      const cells = this.line();
      if (n === 0) cells.length = Math.min(cells.length, this.column);
      else if (n === 1) cells.fill(' ', 0, this.column + 1);
      else cells.length = 0;
    } else if (command !== 'm') throw new Error(`unhandled CSI ${n}${command}`);
    this.line();
  }
}

/** A terminal's standard input: what is written to it arrives as typed (or pasted) keys. */
function fakeKeyboard(): PassThrough & { isTTY: boolean; setRawMode: (mode: boolean) => void } {
  return Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });
}

/** Lets readline handle what was typed and write its answer. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const LONG_ADDRESS = `http://localhost:43210/callback/${'n'.repeat(43)}?code=${'c'.repeat(40)}&state=${'s'.repeat(43)}`;

async function startWaiting(columns: number, onPaste: (text: string) => string | undefined) {
  const terminal = new FakeTerminal(columns);
  const keyboard = fakeKeyboard();
  const waiting = showWaiting({
    ui: await createMessages(terminal, false),
    stderr: terminal,
    stdin: keyboard,
    timeoutMs: 300_000,
    monotonic: () => 0,
    onPaste,
  });
  let stopped = false;
  const stop = () => {
    if (!stopped) waiting.stop();
    stopped = true;
  };
  onTestFinished(stop);
  await settle();
  return { terminal, keyboard, stop, waiting };
}

const isPrompt = (line: string) => line.includes('Waiting for the browser');

describe('the paste prompt on a terminal', () => {
  // The fake terminal below moves its cursor as a real one does. Node's readline reads TERM itself and edits no
  // line on a `dumb` one, so these tests say which terminal they are, whatever TERM the tests run under.
  beforeEach(() => {
    vi.stubEnv('TERM', 'xterm-256color');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('counts columns as a terminal does', () => {
    expect(displayWidth('\u001b[36m⠋\u001b[39m abc')).toBe(5);
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(rowsAboveAfterEnter('x'.repeat(79), 80)).toBe(1);
    expect(rowsAboveAfterEnter('x'.repeat(80), 80)).toBe(2);
    expect(rowsAboveAfterEnter('x'.repeat(200), 80)).toBe(3);
    expect(rowsAboveAfterEnter('x'.repeat(200), undefined)).toBe(1);
  });

  for (const columns of [40, 80, 97, 300]) {
    it(`a refused address that wraps leaves no stale copy of the prompt or of itself (${columns} columns)`, async () => {
      const pasted: string[] = [];
      const { terminal, keyboard } = await startWaiting(columns, (text) => {
        pasted.push(text);
        return 'it is not the address of this login';
      });
      expect(terminal.screen().filter(isPrompt)).toHaveLength(1);
      keyboard.write(`${LONG_ADDRESS}\r`);
      await settle();
      expect(pasted).toEqual([LONG_ADDRESS]);
      const screen = terminal.screen();
      expect(screen.filter(isPrompt), screen.join('\n')).toHaveLength(1);
      expect(screen.join('\n'), screen.join('\n')).not.toMatch(/nnnn|cccc|ssss/);
      expect(screen[0]).toMatch(/^! That address was not taken/);
      expect(screen.join(' ').replace(/ +/g, ' ')).toContain('it is not the address of this login.');
      // The prompt comes after the reason, ready for another paste.
      expect(screen.findIndex(isPrompt)).toBeGreaterThan(0);
    });
  }

  it('an address taken, then the login ending, leaves a clean screen', async () => {
    const { terminal, keyboard, stop } = await startWaiting(50, () => undefined);
    keyboard.write(`${LONG_ADDRESS}\r`);
    await settle();
    stop();
    expect(terminal.screen()).toEqual([]);
  });

  it('the login ending while a long line is half typed leaves a clean screen', async () => {
    const { terminal, keyboard, stop } = await startWaiting(40, () => 'not used');
    keyboard.write(LONG_ADDRESS.slice(0, 150));
    await settle();
    expect(terminal.screen().join('')).toContain('nnnn');
    stop();
    expect(terminal.screen()).toEqual([]);
  });

  it('Ctrl-D on an empty line cancels, as Ctrl-C does, and the spinner writes no more', async () => {
    const { terminal, keyboard, waiting } = await startWaiting(80, () => undefined);
    keyboard.write('\u0004');
    await expect(waiting.cancelled).rejects.toMatchObject({ code: 'interrupted' });
    const after = terminal.screen().join('\n');
    // The scenario itself: two turns of the spinner, which wrote to the closed interface (Node 24 threw there).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(terminal.screen().join('\n')).toBe(after);
  });

  it('two refusals in a row stack their reasons, with one prompt under them', async () => {
    const { terminal, keyboard } = await startWaiting(60, (text) => `wrong ${text.length}`);
    keyboard.write(`${LONG_ADDRESS}\r`);
    await settle();
    keyboard.write('http://localhost:1/x\r');
    await settle();
    const screen = terminal.screen();
    expect(screen.filter((line) => line.startsWith('! That address was not taken'))).toHaveLength(2);
    expect(screen.filter(isPrompt)).toHaveLength(1);
    expect(screen.join('\n')).not.toMatch(/nnnn|localhost:1\/x/);
  });
});
