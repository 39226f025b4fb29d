// The task workers: started lazily, initialised with the runtime preference, reset together when it changes
// (ONNX Runtime's WASM setup is fixed once loaded, so a new provider or thread count needs fresh workers).
import type { BackendInfo } from '../runtime/backend';
import type { RuntimeOptions } from '../runtime/browser';
import type { LoadProgress, OnProgress } from '../runtime/fetchModel';
import { Comlink, wrapWorker, type WorkerHandle } from '../runtime/worker';
import { useStore } from './store';

export interface RuntimeApi {
  init(options: RuntimeOptions, onProgress?: OnProgress): Promise<BackendInfo>;
}

interface Entry {
  handle: WorkerHandle<RuntimeApi>;
  ready: Promise<BackendInfo>;
}

const entries = new Map<string, Entry>();

function onProgress(event: LoadProgress): void {
  useStore.setState((s) => ({ progress: { ...s.progress, [event.file]: event } }));
}

/** The worker for `task`, created by `create` on first use; `ready` settles once its runtime is initialised. */
export function taskWorker<T extends RuntimeApi>(task: string, create: () => Worker): { api: Comlink.Remote<T>; ready: Promise<BackendInfo> } {
  let entry = entries.get(task);
  if (!entry) {
    const handle = wrapWorker<RuntimeApi>(create());
    const { preference, threads } = useStore.getState();
    const ready = handle.api.init({ preference, threads }, Comlink.proxy(onProgress));
    const created: Entry = { handle, ready };
    entries.set(task, created);
    ready.then(
      (backend) => useStore.setState({ backend }),
      () => {
        if (entries.get(task) === created) resetWorker(task);
      },
    );
    entry = created;
  }
  return { api: entry.handle.api as unknown as Comlink.Remote<T>, ready: entry.ready };
}

export function resetWorker(task: string): void {
  entries.get(task)?.handle.terminate();
  entries.delete(task);
}

export function resetWorkers(): void {
  for (const task of [...entries.keys()]) resetWorker(task);
}
