// Cold start in the panel: the probe page in a frame, after emptying Loupe's Cache Storage (first visit, as far as
// a page can simulate one) and again with it filled (later visit). `npm run bench` measures the real thing with
// fresh browser profiles instead (scripts/bench.mjs).
import { CT_MODEL_ID } from '../../tasks/ct/runner';
import { CHAT_DEFAULT_MODEL } from '../../tasks/chat/models';
import { MRI_MODEL_ID } from '../../tasks/mri/runner';
import { coldRows, type ColdTask } from '../core/cold';
import type { Row } from '../core/report';
import { emptyModelCache, probeInFrame } from '../cold';
import { availableModel } from '../env';
import { interleaved, type ItemContext, type ItemOutcome } from './context';

/** Page loads are slow and their spread small next to their size: at most this many repetitions. */
export const COLD_REPS = 3;

export async function coldStartInFrame(ctx: ItemContext): Promise<ItemOutcome> {
  const tasks: ColdTask[] = ['face'];
  const rows: Row[] = [];
  const mri = await availableModel('mri', MRI_MODEL_ID);
  if (mri.ok && !ctx.settings.quick) tasks.push('mri');
  else if (mri.ok) rows.push({ measure: 'MRI', note: 'not run in a quick run' });
  else rows.push({ measure: 'MRI', note: `skipped: ${mri.reason}` });
  // The CT and chat probes follow the MRI one: not in a quick run, skipped while their default model is not served.
  const ct = await availableModel('ct', CT_MODEL_ID);
  if (ct.ok && !ctx.settings.quick) tasks.push('ct');
  else if (ct.ok) rows.push({ measure: 'CT', note: 'not run in a quick run' });
  else rows.push({ measure: 'CT', note: `skipped: ${ct.reason}` });
  const chat = await availableModel('chat', CHAT_DEFAULT_MODEL);
  if (chat.ok && !ctx.settings.quick) tasks.push('chat');
  else if (chat.ok) rows.push({ measure: 'chat', note: 'not run in a quick run' });
  else rows.push({ measure: 'chat', note: `skipped: ${chat.reason}` });
  const frame = Object.assign(document.createElement('iframe'), { title: 'cold-start probe', width: '480', height: '320' });
  frame.dataset.testid = 'bench-cold-frame';
  document.querySelector('[data-testid="bench-view"]')?.append(frame);
  const measured: Row[] = [];
  let reps = 0;
  try {
    for (const task of tasks) {
      const visit = async (first: boolean) => {
        if (first) await emptyModelCache();
        const r = await probeInFrame(frame, task, ctx.signal);
        if (!r.ok) throw new Error(`cold-start probe (${task}): ${r.error}`);
        return r;
      };
      // Repetition 1 runs the first visit first; after that a later visit always finds what the previous visit cached.
      const { a, b } = await interleaved(ctx, `${task}: first vs later visit`, () => visit(true), () => visit(false), Math.min(ctx.settings.reps, COLD_REPS));
      measured.push(...coldRows(task, a, b, 'first visit (Cache Storage emptied)'));
      reps = a.length;
    }
  } finally {
    frame.remove();
  }
  return { status: 'ok', reps, rows: [...measured, ...rows], facts: { runtime: 'WASM, 1 thread (?ep=wasm&threads=1)', 'first visit': 'simulated: Cache Storage emptied; the HTTP cache and compiled code may still help' } };
}
