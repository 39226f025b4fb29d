// Hugging Face Transformers.js as the chat benchmark's peer, in its own worker (peers/transformers.worker.ts).
import { appUrl } from '../../runtime/fetchModel';
import { wrapWorker } from '../../runtime/worker';
import type { PeerInfo, TransformersPeerApi } from './transformers.worker';
import type { Started } from '../workers';

/** Part of the peer worker's script URL (dev and build), to find it in a memory breakdown. */
export const PEER_WORKER_URL_PART = 'transformers.worker';

/** Starts the peer worker and loads shipped chat model `id` from the app's own /models/chat/ folder. */
export async function startTransformersPeer(id: string, threads: number): Promise<Omit<Started<TransformersPeerApi>, 'backend'> & { info: PeerInfo }> {
  const handle = wrapWorker<TransformersPeerApi>(new Worker(new URL('./transformers.worker.ts', import.meta.url), { type: 'module', name: 'bench-transformers-js' }));
  let alive = true;
  const terminate = () => {
    if (alive) handle.terminate();
    alive = false;
  };
  try {
    // A path, not a URL: Transformers.js 4.3 checks that a file exists only when its local path is not a URL
    // (get_file_metadata), so with an absolute URL it finds no tokenizer files.
    const info = await handle.api.load(new URL(appUrl('models/chat/')).pathname, id, threads);
    return { api: handle.api, info, terminate };
  } catch (error) {
    terminate();
    throw error;
  }
}
