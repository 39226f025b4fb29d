// The mri task's worker factory: the studio's lane and the benchmark start the same worker.
export function createMriWorker(name = 'mri'): Worker {
  return new Worker(new URL('../../../workers/mri.worker.ts', import.meta.url), { type: 'module', name });
}
