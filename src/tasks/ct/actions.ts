// Side effects of the CT task: reading scans, the CT worker (default or custom model), progress and cancel.
import { patchCt, patchCtView, useStore } from '../../app/store';
import { taskWorker } from '../../app/workers';
import { decodeImageBytes, readFiles } from '../../io/decodeImage';
import { namedFiles } from '../../io/dropped';
import { readVolume } from '../../io/readVolume';
import type { Volume } from '../../io/volume';
import { isModelMissing, LoupeError, toUserError, type ErrorCode } from '../../runtime/errors';
import { Comlink } from '../../runtime/worker';
import type { CtWorkerApi } from '../../../workers/ct.worker';
import { asHuFromImages } from './core/hu';

/** Samplings averaged per patient (UCADI averages several). */
export const CT_SAMPLINGS = 3;

function ctWorker() {
  return taskWorker<CtWorkerApi>('ct', () => new Worker(new URL('../../../workers/ct.worker.ts', import.meta.url), { type: 'module', name: 'ct' }));
}

async function readyCtWorker() {
  const { api, ready } = ctWorker();
  await ready;
  const { backend, ...model } = await api.load();
  useStore.setState({ backend });
  patchCt({ model });
  return api;
}

function showError(error: unknown, fallback?: ErrorCode): void {
  const e = toUserError(error, fallback);
  const { volume } = useStore.getState().ct;
  patchCt({ error: e.code === 'ABORTED' ? { ...e, title: 'Classification cancelled.', action: 'The scan stays open; press Classify to run it again.' } : e, status: volume ? 'done' : 'error', progress: undefined });
}

export function dismissCtError(): void {
  patchCt({ error: undefined });
}

export async function prepareCt(): Promise<void> {
  if (useStore.getState().ct.status === 'idle') patchCt({ status: 'loading' });
  try {
    await readyCtWorker();
    if (useStore.getState().ct.status === 'loading') patchCt({ status: 'idle' });
  } catch (error) {
    if (isModelMissing(error) && !useStore.getState().ct.model?.custom) {
      // The default model is not served here: say so once, in the view (not as a failure), and wait for a custom model.
      patchCt({ defaultMissing: true, status: useStore.getState().ct.volume ? 'done' : 'idle' });
      return;
    }
    showError(error, 'MODEL_FETCH_FAILED');
  }
}

let request = 0;

export async function openCtFiles(files: File[]): Promise<void> {
  if (files.length === 0) return;
  const mine = ++request;
  const previous = useStore.getState().ct.status;
  patchCt({ status: 'reading', error: undefined });
  let volume: Volume;
  try {
    volume = asHuFromImages(await readVolume(await readFiles(namedFiles(files)), decodeImageBytes));
  } catch (error) {
    if (mine !== request) return;
    patchCt({ status: previous === 'reading' || previous === 'running' ? 'done' : previous });
    return showError(error, 'CORRUPT_VOLUME');
  }
  if (mine !== request) return;
  patchCt({ volume, result: undefined, view: { ...useStore.getState().ct.view, z: Math.floor(volume.dims[2] / 2) } });
  await classify();
}

export async function classify(): Promise<void> {
  const { volume, defaultMissing, model } = useStore.getState().ct;
  if (!volume) return;
  if (defaultMissing && !model?.custom) return void patchCt({ status: 'done', error: undefined });
  const mine = ++request;
  patchCt({ status: 'running', error: undefined, progress: { done: 0, total: CT_SAMPLINGS } });
  try {
    const api = await readyCtWorker();
    const [nx, ny, nz] = volume.dims;
    const hu = volume.data.subarray(0, nx * ny * nz);
    const { inferMs, ...result } = await api.classify(hu, [nx, ny, nz], CT_SAMPLINGS, Comlink.proxy((done: number, total: number) => mine === request && patchCt({ progress: { done, total } })));
    if (mine !== request) return;
    patchCt({ status: 'done', result, inferMs, progress: undefined });
    patchCtView({ camClass: result.top === 'healthy' ? useStore.getState().ct.view.camClass : result.top });
  } catch (error) {
    if (mine === request) showError(error);
  }
}

export function cancelCt({ abandon = false } = {}): void {
  const { status, volume } = useStore.getState().ct;
  if (status !== 'running') return;
  if (!abandon) return void ctWorker().api.cancel();
  request++;
  patchCt({ status: volume ? 'done' : 'idle', progress: undefined });
}

/** A user's classifier: an .onnx file plus its manifest.json (as written by training/ct/export_checkpoint.py). */
export async function loadCustomModel(files: File[]): Promise<void> {
  const onnx = files.find((f) => /\.onnx$/i.test(f.name));
  const manifest = files.find((f) => /\.json$/i.test(f.name));
  if (!onnx || !manifest) return showError(new LoupeError('UNSUPPORTED_FILE', `choose a model.onnx and its manifest.json together (got ${files.map((f) => f.name).join(', ') || 'nothing'})`));
  patchCt({ status: 'loading', error: undefined });
  try {
    const { api } = ctWorker();
    const { backend, ...model } = await api.loadCustom(await manifest.text(), new Uint8Array(await onnx.arrayBuffer()));
    useStore.setState({ backend });
    patchCt({ model, status: useStore.getState().ct.volume ? 'done' : 'idle' });
    if (useStore.getState().ct.volume) await classify();
  } catch (error) {
    showError(error, 'INPUT_SHAPE_MISMATCH');
  }
}

export async function useDefaultModel(): Promise<void> {
  const { backend, ...model } = await ctWorker().api.useDefault();
  useStore.setState({ backend });
  patchCt({ model });
  if (useStore.getState().ct.volume) await classify();
}

export { patchCtView as setCtView };
