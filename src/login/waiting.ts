import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { InputStream, OutputStream } from '../deps.js';
import { interrupted } from '../errors.js';
import type { Messages } from '../ui/messages.js';
import { readLines } from '../ui/prompt.js';
import { sanitizeForTerminal } from '../ui/terminal-text.js';

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

export function showWaiting(options: WaitingOptions): Waiting {
  const { ui, stderr, stdin, onPaste } = options;
  const deadline = options.monotonic() + options.timeoutMs;
  const seconds = Math.round(options.timeoutMs / 1000);
  let cancel: (error: Error) => void = () => {};
  const cancelled = new Promise<never>((_, reject) => {
    cancel = reject;
  });
  cancelled.catch(() => {});
  let rl: Interface | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopLines: (() => void) | undefined;

  const handleLine = (line: string, say: (text: string) => void) => {
    if (!line.trim()) return;
    const refused = onPaste(line);
    if (refused)
      say(
        `That address was not taken: ${sanitizeForTerminal(refused, 80)}. Paste the whole address from the browser's address bar, or keep waiting.`,
      );
  };

  if (stdin?.isTTY && stderr.isTTY) {
    rl = createInterface({ input: stdin, output: stderr, terminal: true });
    const interfaceRef = rl;
    let frame = 0;
    const prompt = () =>
      `${ui.paint('cyan', FRAMES[frame % FRAMES.length] as string)} Waiting for the browser (${timeLeft(deadline, options.monotonic())} left, Ctrl-C cancels). Or paste the address it ended on: `;
    const say = (text: string) => {
      clearLine(stderr, 0);
      cursorTo(stderr, 0);
      ui.warn(text);
      interfaceRef.prompt(true);
    };
    rl.setPrompt(prompt());
    rl.prompt();
    rl.on('line', (line) => {
      handleLine(line, say);
      interfaceRef.prompt();
    });
    rl.on('SIGINT', () => cancel(interrupted()));
    timer = setInterval(() => {
      frame++;
      interfaceRef.setPrompt(prompt());
      interfaceRef.prompt(true);
    }, 120);
  } else {
    const paste = stdin ? ' You can also paste the address the browser ended on, on standard input.' : '';
    ui.info(
      ui.paint('dim', `Waiting up to ${seconds} s for the browser to come back. Press Ctrl-C to cancel.${paste}`),
    );
    if (stdin) {
      stopLines = readLines(
        stdin,
        (line) => handleLine(line, (text) => ui.warn(text)),
        () => ui.warn('A line of more than 64 KiB was ignored: an address the browser ended on is much shorter.'),
      );
    }
  }

  return {
    cancelled,
    stop: () => {
      if (timer) clearInterval(timer);
      stopLines?.();
      if (rl) {
        if (stderr.isTTY && stdin?.isTTY) {
          clearLine(stderr, 0);
          cursorTo(stderr, 0);
        }
        rl.close();
        stdin?.pause();
      }
    },
  };
}
