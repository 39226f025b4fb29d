// The ct task's worker factory: the studio's lane and the benchmark start the same worker.
export function createCtWorker(name = 'ct'): Worker {
  return new Worker(new URL('../../../workers/ct.worker.ts', import.meta.url), { type: 'module', name });
}
