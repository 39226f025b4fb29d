// `npm run -s infer -- <task> …`: the studio's pipelines, headless in Node, for batch use.
import { ERROR_ADVICE, toUserError } from '../src/errors';
import { TASKS } from '../src/app/registry';
import { UsageError } from './args';
import { faceMain } from './face';
import { mriMain } from './mri';
import { ctMain } from './ct';
import { chatMain, CHAT_USAGE } from './chat';

const USAGE = `Usage:
  npm run -s infer -- face <image files…> [--accurate] [--model short|full] [--threshold 0.5] [--json]
  npm run -s infer -- mri <file.nii|file.nii.gz|DICOM folder|image.png> [--json] [--out <path>]
  npm run -s infer -- ct <NIfTI file|DICOM folder|folder of slice images> [--json] [--model <manifest.json|folder>] [--windowed]
  ${CHAT_USAGE}

Tasks: ${TASKS.map((t) => `${t.id} (${t.label})`).join(', ')}.`;

/** The commands of the registered tasks (the studio's registry decides which tasks exist; a new one may add its own). */
const COMMANDS: Partial<Record<(typeof TASKS)[number]['id'], (args: string[]) => Promise<number>>> = { face: faceMain, mri: mriMain, ct: ctMain, chat: chatMain };

/** Prints a failure the way a user reads it in the studio: what happened, then the detail. */
export function reportError(prefix: string, error: unknown): void {
  const e = toUserError(error);
  process.stderr.write(`${prefix}: ${ERROR_ADVICE[e.code].title} ${e.detail}\n`);
}

async function main([task, ...args]: string[]): Promise<number> {
  if (!task || task === '--help' || task === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return task ? 0 : 2;
  }
  const known = TASKS.find((t) => t.id === task);
  if (!known) throw new UsageError(`unknown task "${task}".`);
  const run = COMMANDS[known.id];
  if (!run) throw new UsageError(`the ${known.label} task has no command-line version.`);
  return run(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError) {
      process.stderr.write(`infer: ${error.message}\n${USAGE}\n`);
      process.exit(2);
    }
    reportError('infer', error);
    process.exit(1);
  },
);
