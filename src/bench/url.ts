// `?bench` opens the Benchmark panel; `?bench=cold-face` / `?bench=cold-mri` also run its cold-start probe.
import type { ColdTask } from './core/cold';

export function benchUrlMode(search = typeof location === 'undefined' ? '' : location.search): { open: boolean; probe?: ColdTask } {
  const params = new URLSearchParams(search);
  if (!params.has('bench')) return { open: false };
  const v = params.get('bench');
  return { open: true, probe: v === 'cold-face' ? 'face' : v === 'cold-mri' ? 'mri' : undefined };
}
