// The benchmark's peer runtimes, Google's MediaPipe face detector and Hugging Face Transformers.js (with its own
// onnxruntime-web build), are ~40 MB of files that serve only the Benchmark panel. The default build leaves them out
// entirely; a `LOUPE_BENCH=1` build (what `npm run bench` makes) includes them (vite.config.ts sets the flag below),
// and they are fetched only here, by dynamic import, when a peer item runs.
import type { ItemId } from '../core/report';

/** Replaced at build time (vite.config.ts `define`): true in `LOUPE_BENCH=1` builds and in the dev server. */
declare const __LOUPE_BENCH_PEERS__: boolean;

/** Whether this build ships the peers' files. */
export const PEERS_BUILT: boolean = __LOUPE_BENCH_PEERS__;

/** The items that compare against a peer runtime; every other item measures Loupe alone and runs in any build. */
export const PEER_ITEMS: readonly ItemId[] = ['faces-mediapipe', 'chat'];

/** Why a peer item does not run in this build (the panel's note and the item's skipped reason). */
export const PEERS_MISSING =
  'this build leaves out the benchmark’s peer runtimes (MediaPipe, Transformers.js); the comparisons with them need the benchmark build: `npm run bench`, or `LOUPE_BENCH=1 npm start`';

function missing(): Promise<never> {
  return Promise.reject(new Error(PEERS_MISSING));
}

// The ternaries on the literal flag let the bundler drop the imports, and with them every peer file, when it is false.
export const loadMediaPipePeer = (): Promise<typeof import('./mediapipe')> => (__LOUPE_BENCH_PEERS__ ? import('./mediapipe') : missing());
export const loadTransformersPeer = (): Promise<typeof import('./transformers')> => (__LOUPE_BENCH_PEERS__ ? import('./transformers') : missing());
