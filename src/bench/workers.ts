// Workers the benchmark starts for itself (never the app's shared ones, so a run does not disturb the studio and
// each side gets exactly the runtime settings it asks for): our task workers, and the bare-baseline worker.
import type { BackendInfo, ProviderPreference } from '../runtime/backend';
import { Comlink, wrapWorker, type WorkerHandle } from '../runtime/worker';
import type { FaceWorkerApi } from '../../workers/face.worker';
import type { MriWorkerApi } from '../../workers/mri.worker';
import type { CtWorkerApi } from '../../workers/ct.worker';
import type { ChatWorkerApi } from '../../workers/chat.worker';
import type { BenchWorkerApi } from '../../workers/bench.worker';

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

/** Our face worker (workers/face.worker.ts, the one the Faces view uses) with its own runtime settings. */
export function startFaceWorker({ preference, threads }: RuntimeChoice): Promise<Started<FaceWorkerApi>> {
  const handle = wrapWorker<FaceWorkerApi>(new Worker(new URL('../../workers/face.worker.ts', import.meta.url), { type: 'module', name: `bench-face-${preference}-${threads}t` }));
  return started(handle, () => handle.api.init({ preference, threads }));
}

/** Our MRI worker (workers/mri.worker.ts) with its own runtime settings. */
export function startMriWorker({ preference, threads }: RuntimeChoice): Promise<Started<MriWorkerApi>> {
  const handle = wrapWorker<MriWorkerApi>(new Worker(new URL('../../workers/mri.worker.ts', import.meta.url), { type: 'module', name: `bench-mri-${preference}-${threads}t` }));
  return started(handle, () => handle.api.init({ preference, threads }));
}

/** Our CT worker (workers/ct.worker.ts, the one the CT view uses) with its own runtime settings. */
export function startCtWorker({ preference, threads }: RuntimeChoice): Promise<Started<CtWorkerApi>> {
  const handle = wrapWorker<CtWorkerApi>(new Worker(new URL('../../workers/ct.worker.ts', import.meta.url), { type: 'module', name: `bench-ct-${preference}-${threads}t` }));
  return started(handle, () => handle.api.init({ preference, threads }));
}

/** Our chat worker (workers/chat.worker.ts, the one the Chat view uses) with its own runtime settings. */
export function startChatWorker({ preference, threads }: RuntimeChoice): Promise<Started<ChatWorkerApi>> {
  const handle = wrapWorker<ChatWorkerApi>(new Worker(new URL('../../workers/chat.worker.ts', import.meta.url), { type: 'module', name: `bench-chat-${preference}-${threads}t` }));
  return started(handle, () => handle.api.init({ preference, threads }));
}

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
