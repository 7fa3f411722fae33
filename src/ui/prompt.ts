import type { InputStream, OutputStream, Prompter } from '../deps.js';
import { interrupted, usageError } from '../errors.js';

/**
 * Asks for one line on a terminal. With `hidden`, nothing typed is echoed (secrets). Ctrl-C and Ctrl-D
 * cancel. The question goes to stderr, like every other message.
 */
export function prompt(
  question: string,
  io: { stdin: InputStream; stderr: OutputStream; signal: AbortSignal },
  options: { hidden?: boolean } = {},
): Promise<string> {
  const { stdin, stderr, signal } = io;
  return new Promise((resolve, reject) => {
    let answer = '';
    const raw = typeof stdin.setRawMode === 'function';
    const finish = (error: Error | undefined) => {
      stdin.off('data', onData);
      signal.removeEventListener('abort', onAbort);
      if (raw) stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      // A hidden answer is a secret, spaces and all (a password may have them); a visible one is tidied.
      else resolve(options.hidden ? answer : answer.trim());
    };
    const onAbort = () => finish(interrupted(undefined, signal.reason));
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\u0003' || ch === '\u0004') {
          finish(interrupted());
          return;
        }
        if (ch === '\r' || ch === '\n') {
          finish(undefined);
          return;
        }
        if (ch === '\u007f' || ch === '\b') {
          if (answer.length > 0) {
            answer = answer.slice(0, -1);
            if (!options.hidden) stderr.write('\b \b');
          }
          continue;
        }
        if (ch < ' ') continue;
        answer += ch;
        if (!options.hidden) stderr.write(ch);
      }
    };
    if (signal.aborted) {
      reject(interrupted(undefined, signal.reason));
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    stderr.write(question);
    if (raw) stdin.setRawMode?.(true);
    stdin.setEncoding?.('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** The most a secret or a pasted line may be: anything longer is not a token or an address. */
export const MAX_INPUT_BYTES = 64 * 1024;

/**
 * Reads standard input (for `--client-secret-stdin`, `import`), without the trailing newline. More than 64 KiB is
 * refused, not cut: it is no secret nor export of podio-auth's, and a cut one would be sent as if whole.
 */
export async function readAllStdin(stdin: InputStream, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin.iterator({ destroyOnReturn: false })) {
    if (signal.aborted) throw interrupted(undefined, signal.reason);
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(buffer);
    size += buffer.length;
    if (size > MAX_INPUT_BYTES) {
      throw usageError(
        `Standard input holds more than ${MAX_INPUT_BYTES / 1024} KiB: more than any secret or export.`,
        'Pipe in the value alone.',
      );
    }
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * Calls `onLine` for each line of a stream. A line longer than `maxBytes` is dropped whole (`onTooLong` is told),
 * so a stream of hundreds of MB without a newline never piles up in memory. Returns a function that stops it.
 */
export function readLines(
  stream: InputStream,
  onLine: (line: string) => void,
  onTooLong: () => void,
  maxBytes = MAX_INPUT_BYTES,
): () => void {
  let pending: Buffer[] = [];
  let size = 0;
  let skipping = false;
  const onData = (chunk: Buffer | string) => {
    let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let newline = data.indexOf(10); ; newline = data.indexOf(10)) {
      const part = newline === -1 ? data : data.subarray(0, newline);
      if (!skipping) {
        size += part.length;
        if (size > maxBytes) {
          skipping = true;
          pending = [];
          onTooLong();
        } else {
          pending.push(part);
        }
      }
      if (newline === -1) return;
      if (!skipping) onLine(Buffer.concat(pending).toString('utf8').replace(/\r$/, ''));
      pending = [];
      size = 0;
      skipping = false;
      data = data.subarray(newline + 1);
    }
  };
  stream.on('data', onData);
  // End of input only means nothing more will come.
  const onError = () => {};
  stream.on('error', onError);
  stream.resume();
  return () => {
    stream.off('data', onData);
    stream.off('error', onError);
    stream.pause();
  };
}

/** The prompter the use cases get through `Deps`, on these streams. */
export function createPrompter(io: { stdin: InputStream; stderr: OutputStream; signal: AbortSignal }): Prompter {
  return {
    ask: (question, options = {}) => prompt(question, io, options),
    readAll: () => readAllStdin(io.stdin, io.signal),
  };
}
