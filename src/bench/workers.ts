// Workers the benchmark starts for itself (never the app's shared ones, so a run does not disturb the studio and
// each side gets exactly the runtime settings it asks for): our task workers, and the bare-baseline worker.
import type { BackendInfo, ProviderPreference } from '../runtime/backend';
import { Comlink, wrapWorker, type WorkerHandle } from '../runtime/worker';
import type { FaceWorkerApi } from '../../workers/face.worker';
import type { MriWorkerApi } from '../../workers/mri.worker';
import type { CtWorkerApi } from '../../workers/ct.worker';
import type { ChatWorkerApi } from '../../workers/chat.worker';
import type { BenchWorkerApi } from '../../workers/bench.worker';
import { TASKS } from '../app/registry';

type TaskId = (typeof TASKS)[number]['id'];

export interface RuntimeChoice {
  preference: ProviderPreference;
  threads: number;
}

export interface Started<T> {
  api: Comlink.Remote<T>;
  backend: BackendInfo;
  terminate(): void;
}

async function started<T extends { init(...args: never[]): unknown }>(handle: WorkerHandle<T>, init: () => Promise<BackendInfo>): Promise<Started<T>> {
  let alive = true;
  const terminate = () => {
    if (alive) handle.terminate();
    alive = false;
  };
  try {
    return { api: handle.api, backend: await init(), terminate };
  } catch (error) {
    terminate();
    throw error;
  }
}

/** One of our task workers (the one its view uses, from the task's registry entry) with its own runtime settings. */
function startTaskWorker<T extends { init(options: RuntimeChoice): Promise<BackendInfo> }>(task: TaskId, { preference, threads }: RuntimeChoice): Promise<Started<T>> {
  const handle = wrapWorker<T>(TASKS.find((t) => t.id === task)!.createWorker(`bench-${task}-${preference}-${threads}t`));
  return started(handle, () => (handle.api as unknown as T).init({ preference, threads }));
}

export const startFaceWorker = (choice: RuntimeChoice) => startTaskWorker<FaceWorkerApi>('face', choice);
export const startMriWorker = (choice: RuntimeChoice) => startTaskWorker<MriWorkerApi>('mri', choice);
export const startCtWorker = (choice: RuntimeChoice) => startTaskWorker<CtWorkerApi>('ct', choice);
export const startChatWorker = (choice: RuntimeChoice) => startTaskWorker<ChatWorkerApi>('chat', choice);

/** The bare-session baseline worker (workers/bench.worker.ts), WASM with `threads`. */
export async function startBenchWorker(threads: number): Promise<Started<BenchWorkerApi> & { ortVersions: Record<string, string>; wasmFile: string }> {
  const handle = wrapWorker<BenchWorkerApi>(new Worker(new URL('../../workers/bench.worker.ts', import.meta.url), { type: 'module', name: `bench-bare-${threads}t` }));
  let extra: { ortVersions: Record<string, string>; wasmFile: string } = { ortVersions: {}, wasmFile: '' };
  const s = await started(handle, async () => {
    const r = await handle.api.init(threads);
    extra = { ortVersions: r.ortVersions, wasmFile: r.wasmFile };
    return r.backend;
  });
  return { ...s, ...extra };
}

/** Terminates every started worker, also when the item failed half-way. */
export class WorkerPool {
  private readonly all: { terminate(): void }[] = [];

  track<T extends { terminate(): void }>(w: T): T {
    this.all.push(w);
    return w;
  }

  terminateAll(): void {
    for (const w of this.all.splice(0)) w.terminate();
  }
}

export { Comlink };
