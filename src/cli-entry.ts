// The bundled CLI's entry: what the launcher loads when the fast path does not answer.
import { runCli } from './cli.js';

await runCli(process.argv.slice(2));
