// `?bench` opens the Benchmark panel; `?bench=cold-face` / `cold-mri` / `cold-chat` also run its cold-start probe.
import { isColdTask, type ColdTask } from './core/cold';

export function benchUrlMode(search = typeof location === 'undefined' ? '' : location.search): { open: boolean; probe?: ColdTask } {
  const params = new URLSearchParams(search);
  if (!params.has('bench')) return { open: false };
  const v = params.get('bench');
  const task = v?.startsWith('cold-') ? v.slice('cold-'.length) : undefined;
  return { open: true, probe: isColdTask(task) ? task : undefined };
}
