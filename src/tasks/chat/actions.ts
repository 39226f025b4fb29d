// Side effects of the chat task: the chat worker (model loading, one turn at a time, streaming, stop), the history.
import { useStore } from '../../app/store';
import type { ChatSlice } from './store';
import { toUserError, type AdviceOverrides, type ErrorCode } from '../../errors';
import { isSuperseded, Lane } from '../../runtime/bridge';
import { Comlink } from '../../runtime/worker';
import type { ChatWorkerApi } from '../../../workers/chat.worker';
import { chatSettingsFrom, withSystemPrompt, type ChatPanelSettings } from './core/settings';
import type { ChatMessage } from './core/template';
import { CHAT_DEFAULT_MODEL } from './models';
import type { ChatEntry } from './store';
import { createChatWorker } from './worker';

export function patchChat(patch: Partial<ChatSlice['chat']>): void {
  useStore.setState((s) => ({ chat: { ...s.chat, ...patch } }));
}

/** What the generic advice becomes for a chat model (the detail from the worker names the exact reason). */
const CHAT_ADVICE: AdviceOverrides = {
  ABORTED: { title: 'Stopped.', action: '' },
  OUT_OF_MEMORY: { title: 'This model is too large for this browser.', action: 'Choose a smaller or quantised model (WASM runs up to about 2 GB), or switch to WebGPU.' },
  MODEL_FETCH_FAILED: {
    title: 'Some model files are missing or could not be read.',
    action: 'Choose the whole model folder: config.json, tokenizer.json, tokenizer_config.json, the .onnx file and its .onnx_data if it has one.',
  },
  INPUT_SHAPE_MISMATCH: {
    title: 'Loupe cannot run this model as it is.',
    action: 'It needs the decoder-with-past layout (input_ids, attention_mask, position_ids, past_key_values.* → logits, present.*); the detail says what differs.',
  },
  MANIFEST_INVALID: { title: "The model folder's configuration is not what Loupe expects.", action: 'Check the file named below (config.json, tokenizer.json or tokenizer_config.json).' },
};

/** The chat lane: one answer at a time. */
export const chatLane = new Lane<ChatWorkerApi>('chat', () => createChatWorker());

/** The worker proxy that holds the chosen model (a replaced worker must load it again). */
let loadedOn: unknown;
/** The user's folder, when the model came from one (kept to reload it in a fresh worker). */
let folderFiles: File[] | undefined;
let nextId = 1;

function showError(error: unknown, fallback?: ErrorCode): void {
  patchChat({ error: toUserError(error, fallback, CHAT_ADVICE) });
}

async function readyChat() {
  const { api, ready } = chatLane.worker();
  await ready;
  if (loadedOn !== api) {
    const { modelId, status } = useStore.getState().chat;
    if (status !== 'generating') patchChat({ status: 'loading' });
    const { info, backend } = folderFiles ? await api.loadFiles(folderFiles) : await api.load(modelId ?? CHAT_DEFAULT_MODEL);
    loadedOn = api;
    useStore.setState({ backend });
    patchChat({ model: info, modelId: folderFiles ? undefined : (modelId ?? CHAT_DEFAULT_MODEL), status: useStore.getState().chat.status === 'generating' ? 'generating' : 'ready' });
  }
  return api;
}

async function load(): Promise<void> {
  patchChat({ status: 'loading', error: undefined });
  try {
    await readyChat();
  } catch (error) {
    loadedOn = undefined;
    if (folderFiles) {
      folderFiles = undefined; // a folder that failed is not retried; the next send loads the shipped model
      patchChat({ modelId: useStore.getState().chat.modelId ?? CHAT_DEFAULT_MODEL });
    }
    patchChat({ status: 'error', model: undefined });
    showError(error, 'MODEL_FETCH_FAILED');
  }
}

/** Loads the chosen (or default) model when the view opens. */
export async function prepareChat(): Promise<void> {
  const { status } = useStore.getState().chat;
  if (status === 'idle' || (status === 'ready' && loadedOn === undefined)) await load();
}

/** A model shipped with Loupe, from the picker. The history stays; the cache starts empty with the new model. */
export async function chooseChatModel(id: string): Promise<void> {
  if (useStore.getState().chat.status === 'generating') stopChat();
  folderFiles = undefined;
  loadedOn = undefined;
  patchChat({ modelId: id, model: undefined });
  await load();
}

/** A model folder the user chose or dropped (config.json, tokenizer files, *.onnx and any .onnx_data). */
export async function loadChatFolder(files: File[]): Promise<void> {
  if (files.length === 0) return;
  if (useStore.getState().chat.status === 'generating') stopChat();
  folderFiles = files;
  loadedOn = undefined;
  patchChat({ modelId: undefined, model: undefined });
  await load();
}

function patchEntry(id: number, patch: Partial<ChatEntry>): void {
  useStore.setState((s) => ({ chat: { ...s.chat, messages: s.chat.messages.map((m) => (m.id === id ? { ...m, ...patch } : m)) } }));
}

/** Sends the user's message and streams the assistant's answer into the history. */
export async function sendChat(text: string): Promise<void> {
  const content = text.trim();
  const { status, messages, settings } = useStore.getState().chat;
  if (!content || status === 'generating' || status === 'loading') return;
  const user: ChatEntry = { id: nextId++, role: 'user', content };
  const answer: ChatEntry = { id: nextId++, role: 'assistant', content: '', streaming: true };
  const history: ChatMessage[] = withSystemPrompt(settings.systemPrompt, [...messages, user].map(({ role, content: c }) => ({ role, content: c })));
  patchChat({ messages: [...messages, user, answer], status: 'generating', error: undefined });
  // Deltas arrive per token; the view is updated at most once a frame so a fast model cannot starve the page.
  let streamed = '';
  let scheduled = false;
  let done = false;
  const flush = () => {
    scheduled = false;
    if (!done) patchEntry(answer.id, { content: streamed });
  };
  try {
    const result = await chatLane.run(async (api) => {
      await readyChat();
      return api.run(
        history,
        chatSettingsFrom(settings),
        Comlink.proxy((delta: string) => {
          streamed += delta;
          if (scheduled) return;
          scheduled = true;
          // Next frame, or within 50 ms when frames are starved (a busy machine), whichever comes first.
          if (typeof requestAnimationFrame === 'function') requestAnimationFrame(flush);
          setTimeout(flush, 50);
        }),
        { ground: true },
      );
    });
    done = true;
    const stats = { tokens: result.tokens.length, promptTokens: result.promptTokens, ttftMs: result.ttftMs, tokensPerSecond: result.tokensPerSecond, stopReason: result.stopReason, droppedMessages: result.droppedMessages };
    patchEntry(answer.id, { content: result.text, streaming: false, stats, ...(result.grounding ? { grounding: result.grounding } : {}) });
    patchChat({ status: 'ready', stats });
  } catch (error) {
    done = true;
    if (streamed) patchEntry(answer.id, { content: streamed });
    const still = useStore.getState().chat.messages.find((m) => m.id === answer.id);
    if (still && !still.content) useStore.setState((s) => ({ chat: { ...s.chat, messages: s.chat.messages.filter((m) => m.id !== answer.id) } }));
    else patchEntry(answer.id, { streaming: false });
    patchChat({ status: loadedOn ? 'ready' : 'error' });
    if (!isSuperseded(error)) showError(error);
  }
}

/** Resolves once the model has finished loading (at once when it is not loading). */
export function whenChatReady(): Promise<void> {
  return new Promise((resolve) => {
    const check = () => useStore.getState().chat.status !== 'loading';
    if (check()) return resolve();
    const unsubscribe = useStore.subscribe(() => {
      if (!check()) return;
      unsubscribe();
      resolve();
    });
  });
}

/** Ends the answer being generated within one token; what was written stays. */
export function stopChat(): void {
  if (useStore.getState().chat.status !== 'generating') return;
  chatLane.finishEarly();
}

/** Empties the history and the model's cache. */
export async function newChat(): Promise<void> {
  stopChat();
  patchChat({ messages: [], stats: undefined, error: undefined });
  if (loadedOn) await chatLane.worker().api.newChat();
}

export function setChatSettings(patch: Partial<ChatPanelSettings>): void {
  patchChat({ settings: { ...useStore.getState().chat.settings, ...patch } });
}

export function dismissChatError(): void {
  patchChat({ error: undefined });
}

/** The worker is about to be replaced (a new backend choice): drop what it held; the next send reloads the model. */
export function abandonChat(): void {
  loadedOn = undefined;
  const { status, messages } = useStore.getState().chat;
  patchChat({ status: status === 'idle' ? 'idle' : 'ready', messages: messages.map((m) => (m.streaming ? { ...m, streaming: false } : m)) });
}
