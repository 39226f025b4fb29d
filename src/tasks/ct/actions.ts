// Side effects of the CT task: reading scans, the CT worker (default or custom model), progress and cancel.
import { useStore } from '../../app/store';
import type { CtSlice } from './store';
import { namedFiles } from '../../io/dropped';
import type { Volume } from '../../io/volume';
import { isModelMissing, LoupeError, SCAN_ADVICE, toUserError, type ErrorCode } from '../../errors';
import { isSuperseded, Lane } from '../../runtime/bridge';
import { Comlink } from '../../runtime/worker';
import type { CtWorkerApi } from '../../../workers/ct.worker';
import { CT_SAMPLINGS } from './core/classify';
import { checkCtInput, type CtRejection } from './core/refuse';
import { createCtWorker } from './worker';

export function patchCt(patch: Partial<CtSlice['ct']>): void {
  useStore.setState((s) => ({ ct: { ...s.ct, ...patch } }));
}

export function setCtView(patch: Partial<CtSlice['ct']['view']>): void {
  useStore.setState((s) => ({ ct: { ...s.ct, view: { ...s.ct.view, ...patch } } }));
}

/** The CT lane: one classification at a time; a new scan aborts the previous run. */
export const ctLane = new Lane<CtWorkerApi>('ct', () => createCtWorker());

function ctWorker() {
  return ctLane.worker();
}

async function readyCtWorker() {
  const { api, ready } = ctWorker();
  await ready;
  const { backend, ...model } = await api.load(useStore.getState().ct.modelId);
  useStore.setState({ backend });
  patchCt({ model });
  return api;
}

function showError(error: unknown, fallback?: ErrorCode): void {
  const e = toUserError(error, fallback, SCAN_ADVICE);
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

/** Dropped or picked files: read in the worker (a newer drop supersedes the read like a run), then classified. */
export async function openCtFiles(files: File[]): Promise<void> {
  if (files.length === 0) return;
  const previous = useStore.getState().ct.status;
  let volume: Volume;
  let rejection: CtRejection | undefined;
  try {
    const reading = ctLane.run((api) => api.open(namedFiles(files)));
    patchCt({ status: 'reading', error: undefined });
    ({ volume, rejection } = await reading);
  } catch (error) {
    if (isSuperseded(error)) return;
    patchCt({ status: previous === 'reading' || previous === 'running' ? 'done' : previous });
    return showError(error, 'CORRUPT_VOLUME');
  }
  patchCt({ volume, rejection, result: undefined, view: { ...useStore.getState().ct.view, z: Math.floor(volume.dims[2] / 2) } });
  if (rejection) return refuse(rejection);
  await classify();
}

/** Not a chest CT: the reason, and no probabilities or heat map that would look like a diagnosis. */
function refuse(rejection: CtRejection): void {
  patchCt({ status: 'done', result: undefined, progress: undefined });
  showError(new LoupeError('NOT_CHEST_CT', rejection.reason));
}

/** The user says the opened slice images are a lung-windowed chest CT: check the rest, then classify. */
export async function markSlicesAsWindowedCt(): Promise<void> {
  const { volume } = useStore.getState().ct;
  if (!volume) return;
  const rejection = checkCtInput(volume, { windowedSlices: true });
  patchCt({ rejection, error: undefined });
  if (rejection) return refuse(rejection);
  await classify();
}

export async function classify(): Promise<void> {
  const { volume, defaultMissing, model, rejection } = useStore.getState().ct;
  if (!volume) return;
  if (rejection) return refuse(rejection);
  if (defaultMissing && !model?.custom) return void patchCt({ status: 'done', error: undefined });
  patchCt({ status: 'running', error: undefined, progress: { done: 0, total: CT_SAMPLINGS } });
  try {
    const [nx, ny, nz] = volume.dims;
    const hu = volume.data.subarray(0, nx * ny * nz);
    const { inferMs, ...result } = await ctLane.run(async (api, signal) => {
      await readyCtWorker();
      return api.run(hu, [nx, ny, nz], Comlink.proxy((done: number, total: number) => signal.aborted || patchCt({ progress: { done, total } })));
    });
    patchCt({ status: 'done', result, inferMs, progress: undefined });
    setCtView({ camClass: result.top === 'healthy' ? useStore.getState().ct.view.camClass : result.top });
  } catch (error) {
    if (!isSuperseded(error)) showError(error);
  }
}

/** The Cancel button: the run stops before its next sampling; the scan stays open. */
export function cancelCt(): void {
  ctLane.cancel(`stopped after ${useStore.getState().ct.progress?.done ?? 0} samplings`);
}

/** The lane is being dropped (a new backend, say): what was running is not coming back. */
export function abandonCt(): void {
  const { status, volume } = useStore.getState().ct;
  if (status === 'running' || status === 'loading') patchCt({ status: volume ? 'done' : 'idle', progress: undefined });
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

/** The model menu (or "Use the default model" after a custom one): a shipped model; an open scan is classified again. */
export async function useShippedModel(id: string): Promise<void> {
  patchCt({ modelId: id, status: 'loading', error: undefined });
  try {
    const { backend, ...model } = await ctWorker().api.useShipped(id);
    useStore.setState({ backend });
    patchCt({ model, status: useStore.getState().ct.volume ? 'done' : 'idle' });
  } catch (error) {
    return showError(error, 'MODEL_FETCH_FAILED');
  }
  if (useStore.getState().ct.volume) await classify();
}

