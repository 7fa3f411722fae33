import { clearScreenDown, createInterface, cursorTo, moveCursor } from 'node:readline';
import { stripVTControlCharacters } from 'node:util';
import type { InputStream, OutputStream } from '../deps.js';
import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { interrupted } from '../errors.js';
import type { Messages } from '../ui/messages.js';
import { readLines } from '../ui/prompt.js';

/**
 * What the terminal shows while login waits for the browser, and the other way in: the address the browser
 * ended on, pasted (a prompt on a terminal; lines on standard input otherwise). Whichever comes first wins.
 * On a terminal the prompt carries a spinner with the time left; elsewhere one line says it all.
 */

export interface WaitingOptions {
  ui: Messages;
  stderr: OutputStream;
  /** Where pasted addresses come from; undefined when there is nowhere to paste (the library). */
  stdin: InputStream | undefined;
  timeoutMs: number;
  /** Monotonic milliseconds, for the time left. */
  monotonic: () => number;
  /** Judges a pasted address: the reason it was refused, or undefined when it was taken. */
  onPaste: (text: string) => string | undefined;
}

export interface Waiting {
  /** Rejects when the user cancels at the paste prompt (Ctrl-C there is a keypress, not a signal). */
  cancelled: Promise<never>;
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function timeLeft(deadline: number, now: number): string {
  const seconds = Math.max(0, Math.ceil((deadline - now) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** Characters a terminal shows two columns wide (CJK, Hangul, full-width forms, most emoji). */
const WIDE =
  /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
/** Characters that take no column: controls, combining marks, zero-width spaces and joiners. */
const ZERO_WIDTH = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\p{Mn}\p{Me}]/u;

/** How many columns `text` takes on a terminal (escape sequences take none). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const character of stripVTControlCharacters(text)) {
    if (ZERO_WIDTH.test(character)) continue;
    width += WIDE.test(character) ? 2 : 1;
  }
  return width;
}

/**
 * How many rows above the cursor the prompt and a line typed after it start, once Enter was pressed: readline
 * writes the line (wrapping every `columns`; one that fills its last row exactly pushes the cursor to a new one)
 * and then a line break. Clearing only the cursor's row would leave the prompt and the start of a pasted address
 * on the screen, a stale copy above the new prompt.
 */
export function rowsAboveAfterEnter(submitted: string, columns: number | undefined): number {
  if (!columns || columns <= 0) return 1;
  return Math.floor(displayWidth(submitted) / columns) + 1;
}

export function showWaiting(options: WaitingOptions): Waiting {
  const { ui, stderr, stdin, onPaste } = options;
  let cancel: (error: Error) => void = () => {};
  const cancelled = new Promise<never>((_, reject) => {
    cancel = reject;
  });
  cancelled.catch(() => {});
  const handleLine = (line: string) => {
    if (!line.trim()) return;
    const refused = onPaste(line);
    if (refused)
      ui.warn(
        `That address was not taken: ${sanitizeForTerminal(refused, 80)}. Paste the whole address from the browser's address bar, or keep waiting.`,
      );
  };
  if (stdin?.isTTY && stderr.isTTY) {
    return { cancelled, stop: terminalPrompt(options, stdin, handleLine, (error) => cancel(error)) };
  }
  const seconds = Math.round(options.timeoutMs / 1000);
  const paste = stdin ? ' You can also paste the address the browser ended on, on standard input.' : '';
  ui.info(ui.paint('dim', `Waiting up to ${seconds} s for the browser to come back. Press Ctrl-C to cancel.${paste}`));
  const stopLines = stdin
    ? readLines(stdin, handleLine, () =>
        ui.warn('A line of more than 64 KiB was ignored: an address the browser ended on is much shorter.'),
      )
    : undefined;
  return { cancelled, stop: () => stopLines?.() };
}

/**
 * On a terminal: a spinner in the prompt, with the time left, that takes a pasted address. Returns what stops it
 * and takes it off the screen.
 */
function terminalPrompt(
  options: WaitingOptions,
  stdin: InputStream,
  handleLine: (line: string) => void,
  cancel: (error: Error) => void,
): () => void {
  const { ui, stderr } = options;
  const deadline = options.monotonic() + options.timeoutMs;
  const rl = createInterface({ input: stdin, output: stderr, terminal: true });
  let frame = 0;
  let stopping = false;
  const columns = () => (stderr as OutputStream & { columns?: number }).columns;
  const prompt = () =>
    `${ui.paint('cyan', FRAMES[frame % FRAMES.length] as string)} Waiting for the browser (${timeLeft(deadline, options.monotonic())} left, Ctrl-C cancels). Or paste the address it ended on: `;
  /** Takes the prompt (and whatever was typed after it, over as many rows as it wraps to) off the screen. */
  const clearPrompt = () => {
    moveCursor(stderr, 0, -rl.getCursorPos().rows);
    cursorTo(stderr, 0);
    clearScreenDown(stderr);
  };
  rl.setPrompt(prompt());
  rl.prompt();
  rl.on('line', (line) => {
    // readline has moved below what was submitted: take the prompt and the pasted line off the screen, so that
    // neither a refusal nor the next prompt leaves a stale copy above it.
    moveCursor(stderr, 0, -rowsAboveAfterEnter(rl.getPrompt() + line, columns()));
    cursorTo(stderr, 0);
    clearScreenDown(stderr);
    handleLine(line);
    rl.prompt();
  });
  rl.on('SIGINT', () => cancel(interrupted()));
  let timer: NodeJS.Timeout | undefined = setInterval(() => {
    frame++;
    rl.setPrompt(prompt());
    rl.prompt(true);
  }, 120);
  rl.on('close', () => {
    // Ctrl-D on an empty line closes the input: like Ctrl-C, it cancels, as at every prompt of podio-auth. The
    // spinner stops first: a closed interface throws when written to (Node 24 and later).
    clearInterval(timer);
    timer = undefined;
    if (!stopping) cancel(interrupted());
  });
  return () => {
    stopping = true;
    clearInterval(timer);
    clearPrompt();
    rl.close();
    stdin.pause();
  };
}
