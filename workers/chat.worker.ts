// Chat worker: a decoder-with-past model (shipped under public/models/chat/<id>/ or a folder the user chose) behind
// the pure chat core. Prefill, then one token a step with the KV cache held by ONNX Runtime (on the GPU under
// WebGPU); text streams to the page through a comlink callback, batched to one call per frame; cancel() ends
// generation within one token.
import * as Comlink from 'comlink';
import type { BackendInfo } from '../src/runtime/backend';
import type { RuntimeOptions } from '../src/runtime/browser';
import { LoupeError } from '../src/errors';
import type { OnProgress } from '../src/runtime/fetchModel';
import { fetchedSource, pickedSource, type ModelSource } from '../src/runtime/source';
import { Jobs } from '../src/runtime/jobs';
import { TaskRuntime } from '../src/runtime/taskRuntime';
import type { ChatSettings } from '../src/tasks/chat/core/chat';
import { deltaBatcher } from '../src/tasks/chat/core/batcher';
import { groundedChatTurn, groundedPrompt, type GroundedTurnResult } from '../src/tasks/chat/core/grounded';
import type { Lexicon } from '../src/tasks/chat/core/lexicon';
import { fetchLexicon, type Retrieval } from '../src/tasks/chat/retrieval';
import type { StreamEvent } from '../src/tasks/chat/core/generate';
import type { ChatMessage } from '../src/tasks/chat/core/template';
import { openWarmChatModel, type ChatBundle, type ChatModelInfo, type OpenOptions } from '../src/tasks/chat/runner';

const runtime = new TaskRuntime('chat');
let progress: OnProgress | undefined;
let current: ChatBundle | undefined;
/** What was opened last, to open it again when a lost WebGPU device took its session. */
let opened: { source: ModelSource; options: Omit<OpenOptions, 'ep' | 'limits'> } | undefined;
const jobs = new Jobs();
/** Reference lexicons by folder, fetched on the first question that needs one and kept parsed. */
const lexicons = new Map<string, Promise<Lexicon>>();

function lexiconFor(retrieval: Retrieval, signal: AbortSignal): Promise<Lexicon> {
  let lex = lexicons.get(retrieval.lexicon);
  if (!lex) {
    lex = fetchLexicon(retrieval, progress, signal);
    lexicons.set(retrieval.lexicon, lex);
    lex.catch(() => lexicons.delete(retrieval.lexicon)); // a failed download is tried again on the next question
  }
  return lex;
}
runtime.onDeviceLost(() => {
  const lost = current;
  current = undefined;
  void lost?.lm.release().catch(() => undefined);
});

/** What the browser tells about memory (Chromium: performance.memory, navigator.deviceMemory). */
function memoryLimits(): OpenOptions['limits'] {
  const memory = (performance as Performance & { memory?: { jsHeapSizeLimit?: number } }).memory;
  const deviceMemory = (navigator as unknown as { deviceMemory?: number }).deviceMemory;
  return { jsHeapLimitBytes: memory?.jsHeapSizeLimit, deviceMemoryGiB: deviceMemory };
}

/** A new model: the answer in progress stops first, then the old model is released and the new one opened. */
async function open(source: ModelSource, options: Omit<OpenOptions, 'ep' | 'limits'>): Promise<{ info: ChatModelInfo; backend: BackendInfo }> {
  await jobs.settle();
  return openNow(source, options);
}

async function openNow(source: ModelSource, options: Omit<OpenOptions, 'ep' | 'limits'>): Promise<{ info: ChatModelInfo; backend: BackendInfo }> {
  const previous = current;
  current = undefined;
  await previous?.lm.release();
  opened = { source, options };
  const bundle = await runtime.withFallback(async (ep) => {
    progress?.({ status: 'warmup', file: options.name });
    try {
      return await openWarmChatModel(source, { ...options, ep, limits: memoryLimits() });
    } finally {
      progress?.({ status: 'ready', file: options.name });
    }
  });
  current = bundle;
  return { info: bundle.info, backend: await runtime.info() };
}

const api = {
  init(options: RuntimeOptions, onProgress?: OnProgress): Promise<BackendInfo> {
    progress = onProgress;
    return runtime.init(options, onProgress);
  },

  /** A model shipped with Loupe: every file of its manifest fetched cache-first, size and SHA-256 checked. */
  async load(id: string) {
    const source = await fetchedSource('chat', id, progress);
    return open(source, { id, name: source.name, source: 'shipped', manifest: source.manifest });
  },

  /** A folder the user chose or dropped: config.json, tokenizer.json, tokenizer_config.json, *.onnx (+ .onnx_data). */
  async loadFiles(files: File[]) {
    const top = (files[0]?.webkitRelativePath || '').split('/');
    const name = top.length > 1 ? top[0] : 'Model folder';
    const id = `folder-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'model'}`;
    return open(pickedSource(files, name, progress), { id, name, source: 'folder' });
  },

  /**
   * One assistant turn for `messages` (the whole history; the KV cache is reused when it is a prefix of the new
   * prompt). `onToken(delta, count)` gets the text that became safe to show: the first at once, then at most one call
   * per frame (16 ms) with what came since, `count` being the tokens generated so far. Resolves with the answer and
   * timings, the last text having been sent.
   * With `ground` and a model whose manifest declares `retrieval`, the answer is judged against the lexicon
   * (`grounding`): text is shown only once its headword is judged, and an answer about another word is stopped there.
   */
  run(messages: ChatMessage[], settings: ChatSettings, onToken?: (delta: string, count: number) => void, options: { ground?: boolean } = {}): Promise<GroundedTurnResult & { cacheLocation?: string }> {
    return jobs.run(async (signal) => {
      if (!current && opened) await openNow(opened.source, opened.options); // after a lost device: the same model, on WASM
      const bundle = current;
      if (!bundle) throw new LoupeError('INFERENCE_FAILED', 'no chat model is loaded');
      const retrieval = options.ground ? bundle.info.retrieval : undefined;
      const lex = retrieval ? await lexiconFor(retrieval, signal) : undefined;
      // One message to the page per interval, not per token: each is a round trip through the page's event loop.
      const batch = onToken ? deltaBatcher((delta, count) => void Promise.resolve(onToken(delta, count)).catch(() => undefined)) : undefined;
      const onEvent = batch && ((e: StreamEvent) => batch.push(e.delta, e.count));
      let result: GroundedTurnResult;
      try {
        result = await groundedChatTurn(bundle.lm, bundle.tokenizer, messages, settings, { eosTokenIds: bundle.info.eosTokenIds, maxPositions: bundle.info.contextLength }, lex && retrieval ? { lex, use: retrieval.use } : undefined, onEvent, signal);
      } finally {
        batch?.flush(); // what was written stays, a stopped answer included
      }
      return { ...result, cacheLocation: bundle.lm.cacheLocation };
    });
  },

  /** Ends the generation in flight after the current step; what was written stays. */
  cancel(): void {
    jobs.cancel();
  },

  /**
   * The messages a grounded turn sends the model for `messages` (the context block included, as `run` with `ground`
   * builds them), or `messages` as they are for a model without `retrieval.use: 'context'`. The benchmark gives them
   * to the peer runtime, so both sides decode the same prompt ids.
   */
  async promptFor(messages: ChatMessage[]): Promise<ChatMessage[]> {
    const retrieval = current?.info.retrieval;
    if (retrieval?.use !== 'context') return messages;
    return [...groundedPrompt(messages, { lex: await lexiconFor(retrieval, new AbortController().signal), use: retrieval.use }).prompt];
  },

  /** A new chat: nothing cached from the previous one. */
  async newChat(): Promise<void> {
    await jobs.settle();
    current?.lm.reset();
  },

  async dispose(): Promise<void> {
    await jobs.settle();
    await current?.lm.release();
    current = undefined;
    await runtime.dispose();
  },
};

export type ChatWorkerApi = typeof api;

Comlink.expose(api);
