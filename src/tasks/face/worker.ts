// The face task's worker factory: the studio's lane and the benchmark start the same worker.
export function createFaceWorker(name = 'face'): Worker {
  return new Worker(new URL('../../../workers/face.worker.ts', import.meta.url), { type: 'module', name });
}
