// Side effects of the Benchmark panel: run, stop, export, and the cold-start probe of a `?bench=cold-…` page.
import { download } from '../io/download';
import { ITEM_IDS, type BenchReport } from './core/report';
import { COLD_MESSAGE, runColdProbe, type ColdTask } from './cold';
import { runBench } from './run';
import { patchProgress, useBench } from './store';

let controller: AbortController | undefined;

export async function runBenchmark(mode: BenchReport['mode'] = 'panel'): Promise<void> {
  controller?.abort();
  const mine = (controller = new AbortController());
  const { selected, reps, frames, quick } = useBench.getState();
  const items = ITEM_IDS.filter((id) => selected[id]);
  useBench.setState({ status: 'running', error: undefined, report: undefined, progress: Object.fromEntries(items.map((id) => [id, { status: 'waiting', line: '' }])) });
  try {
    const report = await runBench(items, { reps: Math.max(1, Math.floor(reps)), frames: Math.max(1, Math.floor(frames)), quick }, { onItem: (id, status, line) => patchProgress(id, { status, line }) }, mine.signal, mode);
    if (controller === mine) useBench.setState({ status: 'done', report });
  } catch (error) {
    if (controller === mine) useBench.setState({ status: 'error', error: `${(error as Error).name}: ${(error as Error).message}` });
  }
}

export function stopBenchmark(): void {
  controller?.abort();
}

export function reportFileName(report: BenchReport): string {
  return `loupe-bench-${report.date.slice(0, 19).replace(/[:T]/g, '-')}.json`;
}

export function exportBenchJson(): void {
  const { report } = useBench.getState();
  if (report) download(new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }), reportFileName(report));
}

/** The probe of a `?bench=cold-face|cold-mri|cold-chat` page: runs once, shows its result, and tells a parent frame. */
export async function startColdProbe(task: ColdTask): Promise<void> {
  if (useBench.getState().cold) return;
  useBench.setState({ cold: { status: 'running' } });
  const result = await runColdProbe(task);
  useBench.setState({ cold: { status: result.ok ? 'done' : 'error', result } });
  if (window.parent !== window) window.parent.postMessage({ type: COLD_MESSAGE, result }, location.origin);
}
