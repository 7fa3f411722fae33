import { interrupted } from './errors.js';
import type { InputStream, OutputStream } from './deps.js';

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
      else resolve(answer.trim());
    };
    const onAbort = () => finish(interrupted());
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
      reject(interrupted());
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

/** Reads all of standard input (for `--client-secret-stdin`), without the trailing newline. */
export async function readAllStdin(stdin: InputStream, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin.iterator({ destroyOnReturn: false })) {
    if (signal.aborted) throw interrupted();
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    if (chunks.reduce((n, c) => n + c.length, 0) > 64 * 1024) break;
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
