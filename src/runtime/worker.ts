import * as Comlink from 'comlink';

/** A task worker behind a typed comlink proxy. Only hooks/actions hold one; components never post messages. */
export interface WorkerHandle<T> {
  api: Comlink.Remote<T>;
  terminate(): void;
}

export function wrapWorker<T>(worker: Worker): WorkerHandle<T> {
  const api = Comlink.wrap<T>(worker);
  return {
    api,
    terminate() {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}

export { Comlink };

/**
 * Resolves on the next macrotask. ONNX Runtime's WASM runs settle as microtasks, so a loop of runs never lets a
 * worker read its messages (a Cancel, say) unless it yields like this between runs.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
