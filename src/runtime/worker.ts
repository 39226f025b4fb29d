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

