// Chat worker: a decoder-with-past model (shipped under public/models/llm/<id>/ or a folder the user chose) behind
// the pure chat core. Prefill, then one token a step with the KV cache held by ONNX Runtime (on the GPU under
// WebGPU); tokens stream to the page through a comlink callback; stop() ends generation within one token.
import * as Comlink from 'comlink';
import type { BackendInfo } from '../src/runtime/backend';
import type { RuntimeOptions } from '../src/runtime/browser';
import { LoupeError } from '../src/runtime/errors';
import { fetchFile, fetchManifest, type OnProgress } from '../src/runtime/fetchModel';
import { TaskRuntime } from '../src/runtime/taskRuntime';
import { chatTurn, type ChatSettings, type ChatTurnResult } from '../src/tasks/llm/core/chat';
import type { ChatMessage } from '../src/tasks/llm/core/template';
import { CHAT_MODELS } from '../src/tasks/llm/models';
import { openChatModel, type ChatBundle, type ChatModelInfo, type FolderSource, type OpenOptions } from '../src/tasks/llm/runner';

const runtime = new TaskRuntime('llm');
let progress: OnProgress | undefined;
let current: ChatBundle | undefined;
let controller: AbortController | undefined;
let running: Promise<unknown> | undefined;

/** Lets queued messages (a Stop) in between two decode steps: a macrotask, without setTimeout's 4 ms clamp. */
function yieldStep(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** What the browser tells about memory (Chromium: performance.memory, navigator.deviceMemory). */
function memoryLimits(): OpenOptions['limits'] {
  const memory = (performance as Performance & { memory?: { jsHeapSizeLimit?: number } }).memory;
  const deviceMemory = (navigator as unknown as { deviceMemory?: number }).deviceMemory;
  return { jsHeapLimitBytes: memory?.jsHeapSizeLimit, deviceMemoryGiB: deviceMemory };
}

/** Stops a generation in flight and waits for its last step, so its session can be released or its cache reset. */
async function settle(): Promise<void> {
  controller?.abort();
  await running?.catch(() => undefined);
}

async function open(folder: FolderSource, options: Omit<OpenOptions, 'ep' | 'limits'>): Promise<{ info: ChatModelInfo; backend: BackendInfo }> {
  await settle();
  const previous = current;
  current = undefined;
  await previous?.lm.release();
  let backend = await runtime.info();
  let bundle: ChatBundle;
  try {
    bundle = await openChatModel(folder, { ...options, ep: backend.ep, limits: memoryLimits() });
  } catch (error) {
    if ((error as Error).name !== 'WEBGPU_UNAVAILABLE') throw error;
    backend = { ...backend, ep: 'wasm', adapter: undefined, fallbackReason: `WebGPU failed on this model (${(error as Error).message}); using WASM.` };
    bundle = await openChatModel(folder, { ...options, ep: 'wasm', limits: memoryLimits() });
  }
  progress?.({ status: 'warmup', file: options.name });
  const bos = bundle.tokenizer.bosToken ? bundle.tokenizer.tokenId(bundle.tokenizer.bosToken) : undefined;
  await bundle.lm.warmUp(bos ?? bundle.shape.bosTokenId ?? 0);
  progress?.({ status: 'ready', file: options.name });
  current = bundle;
  return { info: bundle.info, backend };
}

const api = {
  init(options: RuntimeOptions, onProgress?: OnProgress): Promise<BackendInfo> {
    progress = onProgress;
    return runtime.init(options, onProgress);
  },

  models(): { id: string; name: string }[] {
    return CHAT_MODELS;
  },

  /** A model shipped with Loupe: every file of its manifest fetched cache-first, size and SHA-256 checked. */
  async loadShipped(id: string) {
    const { manifest, baseUrl } = await fetchManifest('llm', id);
    const files = new Map(manifest.files.map((f) => [f.path, f]));
    const folder: FolderSource = {
      names: [...files.keys()],
      size: (name) => files.get(name)?.bytes,
      read: (name) => {
        const f = files.get(name)!;
        return fetchFile(`${manifest.name}: ${name}`, { url: baseUrl + name, bytes: f.bytes, sha256: f.sha256 }, progress);
      },
    };
    return open(folder, { id, name: manifest.name, source: 'shipped', manifest });
  },

  /** A folder the user chose or dropped: config.json, tokenizer.json, tokenizer_config.json, *.onnx (+ .onnx_data). */
  async loadFiles(files: File[]) {
    const byName = new Map(files.map((f) => [f.webkitRelativePath || f.name, f]));
    const top = [...byName.keys()][0]?.split('/');
    const name = top && top.length > 1 ? top[0] : 'Model folder';
    const folder: FolderSource = {
      names: [...byName.keys()],
      size: (n) => byName.get(n)?.size,
      read: async (n) => {
        const file = byName.get(n)!;
        progress?.({ status: 'download', file: `${name}: ${n}`, loaded: 0, total: file.size });
        const bytes = new Uint8Array(await file.arrayBuffer());
        progress?.({ status: 'download', file: `${name}: ${n}`, loaded: file.size, total: file.size });
        return bytes;
      },
    };
    const id = `folder-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'model'}`;
    return open(folder, { id, name, source: 'folder' });
  },

  /**
   * One assistant turn for `messages` (the whole history; the KV cache is reused when it is a prefix of the new
   * prompt). `onToken(delta, count)` is called as text becomes safe to show. Resolves with the answer and timings.
   */
  async chat(messages: ChatMessage[], settings: ChatSettings, onToken?: (delta: string, count: number) => void): Promise<ChatTurnResult & { cacheLocation?: string }> {
    await settle();
    const bundle = current;
    if (!bundle) throw new LoupeError('INFERENCE_FAILED', 'no chat model is loaded');
    const mine = new AbortController();
    controller = mine;
    const turn = chatTurn(
      bundle.lm,
      bundle.tokenizer,
      messages,
      settings,
      { eosTokenIds: bundle.info.eosTokenIds, maxPositions: bundle.info.contextLength },
      (e) => {
        if (onToken && e.delta) void Promise.resolve(onToken(e.delta, e.count)).catch(() => undefined);
      },
      mine.signal,
      { yieldStep },
    );
    running = turn;
    try {
      return { ...(await turn), cacheLocation: bundle.lm.cacheLocation };
    } finally {
      if (controller === mine) controller = undefined;
    }
  },

  /** Ends the generation in flight after the current step. */
  stop(): void {
    controller?.abort();
  },

  /** A new chat: nothing cached from the previous one. */
  async newChat(): Promise<void> {
    await settle();
    current?.lm.reset();
  },

  async dispose(): Promise<void> {
    await settle();
    await current?.lm.release();
    current = undefined;
    await runtime.dispose();
  },
};

export type LlmWorkerApi = typeof api;

Comlink.expose(api);
