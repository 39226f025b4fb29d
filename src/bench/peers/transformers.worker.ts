// The chat benchmark's peer: Hugging Face Transformers.js running the same ONNX model folder as our chat worker, in
// its own Web Worker (the studio runs no model on the main thread), WASM with one thread, fp32, local files only.
// It bundles its own onnxruntime-web build (a 1.31 dev build; its asyncify WASM): that binary is served from our
// origin like every other file of the app, never from a CDN.
import * as Comlink from 'comlink';
import { AutoModelForCausalLM, AutoTokenizer, env, Tensor, TextStreamer, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';
// The onnxruntime-web build Transformers.js depends on (npm nests it under the package: the app's own is 1.30).
// Transformers.js points ONNX Runtime at a CDN by default; this makes it load the same file from our origin.
import peerWasmUrl from '../../../node_modules/@huggingface/transformers/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm?url';
import { loadChatTokenizer, type ChatTokenizer } from '../../tasks/chat/core/tokenizer';
import { assetName } from '../core/format';
import type { ChatMessage } from '../../tasks/chat/core/template';

let model: PreTrainedModel | undefined;
let tokenizer: PreTrainedTokenizer | undefined;
let ours: ChatTokenizer | undefined;

export interface PeerInfo {
  transformers: string;
  /** onnxruntime-web as Transformers.js reports it. */
  ort: string;
  /** The .wasm files this worker fetched (resource timing). */
  wasmFiles: string;
}

async function json(url: string): Promise<unknown> {
  const r = await fetch(url, { cache: 'no-cache' });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

const api = {
  /**
   * Loads `<modelsPath><id>/` (a root-relative path on our origin) with Transformers.js: config.json, generation_config.json, tokenizer files and
   * model.onnx (`subfolder: ''`: the folder's own model.onnx, where Transformers.js would look in onnx/), and our
   * tokenizer from the same files, which builds the prompt both sides get.
   */
  async load(modelsPath: string, id: string, threads: number): Promise<PeerInfo> {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = modelsPath;
    env.useBrowserCache = false;
    env.useWasmCache = false;
    const onnx = env.backends.onnx;
    if (onnx.wasm) {
      onnx.wasm.numThreads = threads;
      onnx.wasm.proxy = false;
      onnx.wasm.wasmPaths = { wasm: new URL(peerWasmUrl, self.location.href).href };
    }
    tokenizer = await AutoTokenizer.from_pretrained(id);
    model = await AutoModelForCausalLM.from_pretrained(id, { device: 'wasm', dtype: 'fp32', subfolder: '' });
    ours = loadChatTokenizer(await json(`${modelsPath}${id}/tokenizer.json`), await json(`${modelsPath}${id}/tokenizer_config.json`));
    const wasmFiles = [...new Set(performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /\.wasm(\?|$)/.test(n)).map(assetName))];
    return { transformers: env.version, ort: onnx.versions?.web ?? '?', wasmFiles: wasmFiles.join(', ') || 'unknown' };
  },

  /** The prompt's token ids, by our chat template and tokenizer (what our chat worker feeds its model). */
  promptIds(messages: ChatMessage[]): number[] {
    if (!ours) throw new Error('transformers peer: not loaded');
    return ours.encodeChat(messages);
  },

  /**
   * Greedy generation from `promptIds` with Transformers.js's generate(): at most `maxNewTokens`, stopping at
   * `eosTokenIds`, no repetition penalty (generation_config.json's defaults are overridden to match our side).
   * `onToken(count)` is called from its TextStreamer's token callback as each token is produced.
   */
  async generate(promptIds: number[], maxNewTokens: number, eosTokenIds: number[], onToken: (count: number) => void): Promise<number[]> {
    if (!model || !tokenizer) throw new Error('transformers peer: not loaded');
    let count = 0;
    const streamer = new TextStreamer(tokenizer, {
      skip_prompt: true,
      callback_function: () => undefined,
      token_callback_function: () => void onToken(++count),
    });
    const n = promptIds.length;
    const inputIds = new Tensor('int64', BigInt64Array.from(promptIds, (v) => BigInt(v)), [1, n]);
    const attentionMask = new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
    const out = (await model.generate({
      input_ids: inputIds,
      attention_mask: attentionMask,
      max_new_tokens: maxNewTokens,
      do_sample: false,
      repetition_penalty: 1,
      eos_token_id: eosTokenIds,
      streamer,
    } as Parameters<PreTrainedModel['generate']>[0])) as Tensor;
    const ids = Array.from(out.data as BigInt64Array, (v) => Number(v));
    return ids.slice(n);
  },

  async dispose(): Promise<void> {
    await model?.dispose();
    model = undefined;
  },
};

export type TransformersPeerApi = typeof api;

Comlink.expose(api);
