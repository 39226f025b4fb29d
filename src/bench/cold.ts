// Cold start: navigation → first result, through the app's own actions. A page opened with `?bench=cold-face`,
// `?bench=cold-mri`, `?bench=cold-ct` or `?bench=cold-chat` runs the probe once at load; `npm run bench` opens such pages in a fresh browser profile (first
// visit) and again in the same profile (later visit). The panel's own cold-start item loads them in a frame.
import astronautUrl from '../../tests/fixtures/astronaut.png?url';
import { useStore } from '../app/store';
import { MODEL_CACHE } from '../runtime/fetchModel';
import { openFile, prepareFaces } from '../tasks/face/actions';
import { classify as classifyCt, prepareCt } from '../tasks/ct/actions';
import { patchCt } from '../tasks/ct/actions';
import { prepareChat, sendChat } from '../tasks/chat/actions';
import { openMriFiles, prepareMri } from '../tasks/mri/actions';
import { COLD_CHAT_QUESTION, type ColdResult, type ColdTask } from './core/cold';
import { ctBenchVolume } from './items/ct';
import { benchVolumeFile } from './items/mri';

export type { ColdResult, ColdTask };

export const COLD_MESSAGE = 'loupe-bench-cold';

/** Runs the app's own path for one input, from wherever the page load is now, and reports when the result arrived. */
export async function runColdProbe(task: ColdTask): Promise<ColdResult> {
  const files: ColdResult['files'] = {};
  const unsubscribe = useStore.subscribe((s) => {
    for (const [file, event] of Object.entries(s.progress)) if (event.status === 'cached' || event.status === 'download') files[file] = event.status;
  });
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  try {
    if (task === 'face') {
      // As the Faces view does on mount: start loading the runtime and model at once, then open the photo.
      void prepareFaces();
      const blob = await (await fetch(astronautUrl)).blob();
      await openFile(new File([blob], 'astronaut.png', { type: 'image/png' }));
      const { face } = useStore.getState();
      if (face.error || face.status !== 'done') throw new Error(face.error ? `${face.error.code}: ${face.error.detail}` : `status ${face.status}`);
    } else if (task === 'chat') {
      return await chatProbe(files, nav);
    } else if (task === 'ct') {
      // As the CT view does on mount, then the scan as openCtFiles leaves it (the benchmark volume is already in HU,
      // so no file is parsed) and the view's classify().
      void prepareCt();
      patchCt({ volume: ctBenchVolume() });
      await classifyCt();
      const { ct } = useStore.getState();
      if (ct.error || !ct.result) throw new Error(ct.error ? `${ct.error.code}: ${ct.error.detail}` : `status ${ct.status}`);
    } else {
      void prepareMri();
      const { bytes, name } = benchVolumeFile(10);
      await openMriFiles([new File([bytes as Uint8Array<ArrayBuffer>], name)]);
      const { mri } = useStore.getState();
      if (mri.error || !mri.segmentation) throw new Error(mri.error ? `${mri.error.code}: ${mri.error.detail}` : `status ${mri.status}`);
    }
    return { task, ok: true, firstResultMs: performance.now(), domContentLoadedMs: nav?.domContentLoadedEventEnd ?? Number.NaN, files };
  } catch (error) {
    return { task, ok: false, error: (error as Error).message, firstResultMs: performance.now(), domContentLoadedMs: nav?.domContentLoadedEventEnd ?? Number.NaN, files };
  } finally {
    unsubscribe();
  }
}

/**
 * Chat: as the Chat view does on mount, load the chosen (default) model; then send one question as the composer
 * does (it accepts a message once the model is ready) and stop the clock when the first answer text is in the store,
 * i.e. what the view shows (the store takes streamed text at most once a frame).
 */
async function chatProbe(files: ColdResult['files'], nav: PerformanceNavigationTiming | undefined): Promise<ColdResult> {
  let firstTokenMs: number | undefined;
  const unsubscribe = useStore.subscribe((s) => {
    if (firstTokenMs === undefined && s.chat.messages.some((m) => m.role === 'assistant' && m.content.length > 0)) firstTokenMs = performance.now();
  });
  try {
    await prepareChat();
    const loaded = useStore.getState().chat;
    if (loaded.status !== 'ready') throw new Error(loaded.error ? `${loaded.error.code}: ${loaded.error.detail}` : `model status ${loaded.status}`);
    await sendChat(COLD_CHAT_QUESTION);
    const { chat } = useStore.getState();
    if (chat.error) throw new Error(`${chat.error.code}: ${chat.error.detail}`);
    if (firstTokenMs === undefined) throw new Error('no answer text arrived');
    return { task: 'chat', ok: true, firstResultMs: firstTokenMs, domContentLoadedMs: nav?.domContentLoadedEventEnd ?? Number.NaN, files };
  } finally {
    unsubscribe();
  }
}

/** Probe URL for a task, WASM with 1 thread so first and later visits differ only in what is cached. */
export function coldProbeUrl(task: ColdTask): string {
  const url = new URL(import.meta.env.BASE_URL, location.origin);
  url.search = `?bench=cold-${task}&ep=wasm&threads=1`;
  return url.href;
}

/** Empties Loupe's Cache Storage (models and the ORT runtime): the next load downloads them again. */
export async function emptyModelCache(): Promise<void> {
  await caches.delete(MODEL_CACHE);
}

/** Loads the probe page in `frame` and resolves with its result (posted by the probe to this window). */
export function probeInFrame(frame: HTMLIFrameElement, task: ColdTask, signal: AbortSignal, timeoutMs = 180_000): Promise<ColdResult> {
  return new Promise((resolve, reject) => {
    const done = () => {
      window.removeEventListener('message', onMessage);
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    };
    const onMessage = (e: MessageEvent) => {
      if (e.origin !== location.origin || e.source !== frame.contentWindow || e.data?.type !== COLD_MESSAGE) return;
      done();
      resolve(e.data.result as ColdResult);
    };
    const onAbort = () => {
      done();
      reject(new DOMException('stopped', 'AbortError'));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`cold-start probe for ${task} gave no result in ${timeoutMs / 1000} s`));
    }, timeoutMs);
    window.addEventListener('message', onMessage);
    signal.addEventListener('abort', onAbort);
    frame.src = 'about:blank';
    frame.src = coldProbeUrl(task);
  });
}

