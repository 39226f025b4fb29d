// Faces: is the face worker's memory stable over a long webcam run? The live path on many frames, memory measured
// after the first tenth and at the end.
import { fmtNumber, fmtPercent } from '../core/format';
import type { Row } from '../core/report';
import { spread } from '../core/stats';
import { workerBytes } from '../core/tokens';
import { measureMemory } from '../env';
import { startFaceWorker } from '../workers';
import { detectOurs, skipped, throwIfAborted, type ItemContext, type ItemOutcome } from './context';

const MODEL = 'blazeface-short';
const MiB = 2 ** 20;
/** The target: memory after all the frames within 10 % of memory after the first tenth. */
export const MEMORY_GROWTH_LIMIT = 0.1;

/** Frames of the long run: 10,000 (a quick run: 300). */
export function memoryFrames(quick: boolean): number {
  return quick ? 300 : 10_000;
}

export async function facesMemory(ctx: ItemContext): Promise<ItemOutcome> {
  const { frames } = await ctx.frames();
  const total = memoryFrames(ctx.settings.quick);
  const early = total / 10;
  ctx.progress('starting our face worker (WASM, 1 thread)');
  const ours = ctx.pool.track(await startFaceWorker({ preference: 'wasm', threads: 1 }));
  await ours.api.load(MODEL);
  let done = 0;
  const runTo = async (n: number) => {
    for (; done < n; done++) {
      throwIfAborted(ctx.signal);
      await detectOurs(ours, frames[done % frames.length], MODEL);
      if (done % 250 === 0) ctx.progress(`${done} / ${total} frames`);
    }
  };
  await runTo(early);
  const first = await measureMemory(60_000);
  if ('unavailable' in first) return skipped(first.unavailable);
  await runTo(total);
  const last = await measureMemory(60_000);
  if ('unavailable' in last) return skipped(last.unavailable);
  const a = workerBytes(first.breakdown, 'face.worker');
  const b = workerBytes(last.breakdown, 'face.worker');
  if (!a || !b) return skipped(`measureUserAgentSpecificMemory attributed ${a} B and ${b} B to the face worker`);
  const growth = b / a - 1;
  const rows: Row[] = [
    {
      measure: `face worker memory, after ${total.toLocaleString('en')} frames vs after ${early.toLocaleString('en')}`,
      note: `${fmtNumber(a / MiB)} MiB → ${fmtNumber(b / MiB)} MiB: ${fmtPercent(spread([growth * 100]))} (target: within ±${MEMORY_GROWTH_LIMIT * 100} %; ${Math.abs(growth) <= MEMORY_GROWTH_LIMIT ? 'met' : 'NOT met'}; measureUserAgentSpecificMemory, one measurement each)`,
    },
  ];
  return { status: 'ok', reps: 1, rows, facts: { model: MODEL, frames: total, firstBytes: a, lastBytes: b, growth } };
}
