/**
 * The completion script for a shell: the script file as written (linted by `npm run check:shells`), with its data
 * block replaced by what the program's commands take.
 */
import { bashData } from './bash-data.js';
import { fishData } from './fish-data.js';
import bashScript from './podio-auth.bash';
import fishScript from './podio-auth.fish';
import zshScript from './podio-auth.zsh';
import type { CompletionProgram } from './program.js';
import { zshData } from './zsh-data.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const SCRIPTS: Record<Shell, { script: string; data: (program: CompletionProgram) => string }> = {
  bash: { script: bashScript, data: bashData },
  zsh: { script: zshScript, data: zshData },
  fish: { script: fishScript, data: fishData },
};

/** From `# @generated-start` to `# @generated-end`: the placeholder data that keeps the file a valid script. */
const DATA_BLOCK = /^# @generated-start\n[\s\S]*?^# @generated-end\n/m;

export function completionScript(shell: Shell, program: CompletionProgram): string {
  const { script, data } = SCRIPTS[shell];
  if (!DATA_BLOCK.test(script)) throw new Error(`the ${shell} completion script has no data block`);
  return script.replace(DATA_BLOCK, () => data(program));
}
