// Side effects of the MRI task: reading scans, the MRI worker (progress, cancel), measures and exports.
import { useStore } from '../../app/store';
import type { MriSlice } from './store';
import { download } from '../../io/download';
import { namedFiles } from '../../io/dropped';
import { writeNiftiLabels } from '../../io/nifti';
import { arrangeStack, type StackLayout } from '../../io/slices';
import type { Volume } from '../../io/volume';
import { LoupeError, SCAN_ADVICE, toUserError, type ErrorCode } from '../../errors';
import { isSuperseded, Lane } from '../../runtime/bridge';
import { Comlink } from '../../runtime/worker';
import type { MriWorkerApi } from '../../../workers/mri.worker';
import { autoWindow } from './core/display';
import { measure } from './core/pipeline';
import { INITIAL_VIEW } from './store';
import { createMriWorker } from './worker';

export function patchMri(patch: Partial<MriSlice['mri']>): void {
  useStore.setState((s) => ({ mri: { ...s.mri, ...patch } }));
}

export function setMriView(patch: Partial<MriSlice['mri']['view']>): void {
  useStore.setState((s) => ({ mri: { ...s.mri, view: { ...s.mri.view, ...patch } } }));
}

/** The MRI lane: one segmentation at a time; a new scan aborts the previous run. */
export const mriLane = new Lane<MriWorkerApi>('mri', () => createMriWorker());

/** The worker with the model loaded (once per worker; the load is cached there). */
async function readyMriWorker() {
  const { api, ready } = mriLane.worker();
  await ready;
  useStore.setState({ backend: await api.load(useStore.getState().mri.modelId) });
  return api;
}

function showError(error: unknown, fallback?: ErrorCode): void {
  const e = toUserError(error, fallback, SCAN_ADVICE);
  const { volume } = useStore.getState().mri;
  patchMri({ error: e.code === 'ABORTED' ? { ...e, title: 'Segmentation cancelled.', action: 'The scan stays open; press Segment to run it again.' } : e, status: volume ? 'done' : 'error', progress: undefined });
}

export function dismissMriError(): void {
  patchMri({ error: undefined });
}

export async function prepareMri(): Promise<void> {
  if (useStore.getState().mri.status === 'idle') patchMri({ status: 'loading' });
  try {
    await readyMriWorker();
    if (useStore.getState().mri.status === 'loading') patchMri({ status: 'idle' });
  } catch (error) {
    showError(error, 'MODEL_FETCH_FAILED');
  }
}

/** Dropped or picked files: one NIfTI, a DICOM series (files or a folder), or slice images. A failure keeps what is on screen. */
export async function openMriFiles(files: File[]): Promise<void> {
  if (files.length === 0) return;
  patchMri({ replaced: undefined });
  const previous = useStore.getState().mri.status;
  let volume: Volume;
  try {
    // Read in the worker (a newer drop supersedes this read like a run); the main thread only shows it.
    const reading = mriLane.run((api) => api.open(namedFiles(files)));
    patchMri({ status: 'reading', error: undefined, progress: undefined });
    volume = await reading;
  } catch (error) {
    if (isSuperseded(error)) return;
    patchMri({ status: previous === 'reading' || previous === 'running' ? 'done' : previous });
    return showError(error, 'CORRUPT_VOLUME');
  }
  let stack: { original: Volume; layout: StackLayout } | undefined;
  if (volume.source.format === 'image') {
    stack = { original: volume, layout: { frames: 1, order: 'slice-major' } };
    volume = arrangeStack(volume, stack.layout);
  }
  const [, , nz, nt] = volume.dims;
  patchMri({ stack, volume, segmentation: undefined, measures: undefined, ed: 0, es: 0, view: { ...INITIAL_VIEW, ...autoWindow(volume.data), z: Math.floor(nz / 2), t: 0 } });
  if (nt < 1 || nz < 1) return showError(new LoupeError('CORRUPT_VOLUME', `${volume.source.name} has no slices`));
  await segment();
}

/** Runs the model on every slice and frame of the open volume, with progress; `cancelMri` stops it. */
export async function segment(): Promise<void> {
  const { volume } = useStore.getState().mri;
  if (!volume) return;
  patchMri({ status: 'running', error: undefined, rejection: undefined, progress: { done: 0, total: volume.dims[2] * volume.dims[3] } });
  try {
    const { modelId } = useStore.getState().mri;
    const result = await mriLane.run(async (api, signal) => {
      useStore.setState({ backend: await api.load(modelId) });
      return api.run(volume, Comlink.proxy((done: number, total: number) => signal.aborted || patchMri({ progress: { done, total } })), modelId);
    }, { onSuperseded: (detail) => patchMri({ replaced: detail.replace(/: superseded.*$/, '') }) });
    const { backend, inferMs, segmentation, rejection } = result;
    useStore.setState({ backend });
    if (rejection) {
      // Not a cardiac short-axis MRI: the reason, and no labels or numbers that would look like an answer.
      patchMri({ status: 'done', segmentation: undefined, measures: undefined, rejection, progress: undefined, inferMs });
      return showError(new LoupeError('NOT_CARDIAC_MRI', rejection.reason));
    }
    const measures = measure(segmentation.labels, volume);
    patchMri({ status: 'done', segmentation, measures, rejection: undefined, ed: measures.suggested.ed, es: measures.suggested.es, progress: undefined, inferMs });
  } catch (error) {
    if (!isSuperseded(error)) showError(error);
  }
}

/** The model menu: later runs use `id`; an open scan is segmented again with it (its model loads first). */
export async function chooseMriModel(id: string): Promise<void> {
  if (id === useStore.getState().mri.modelId) return;
  patchMri({ modelId: id });
  if (useStore.getState().mri.volume) await segment();
  else await prepareMri();
}

/** The Cancel button: the run stops before its next slice; the scan stays open. */
export function cancelMri(): void {
  mriLane.cancel(`stopped after ${useStore.getState().mri.progress?.done ?? 0} slices`);
}

/** The lane is being dropped (a new backend, say): what was running is not coming back. */
export function abandonMri(): void {
  const { status, volume } = useStore.getState().mri;
  if (status === 'running' || status === 'loading') patchMri({ status: volume ? 'done' : 'idle', progress: undefined });
}

/**
 * Geometry of an image stack (its files carry none): pixel size, slice spacing, and how the images split into slices
 * and frames. Re-measures and re-segments (the model resamples to its own pixel size).
 */
export async function setStackLayout(patch: Partial<StackLayout>): Promise<void> {
  const { stack, view } = useStore.getState().mri;
  if (!stack) return;
  const layout = { ...stack.layout, ...patch };
  let volume: Volume;
  try {
    volume = arrangeStack(stack.original, layout);
  } catch (error) {
    return showError(error);
  }
  patchMri({ stack: { ...stack, layout }, volume, segmentation: undefined, measures: undefined, ed: 0, es: 0, view: { ...view, z: Math.min(view.z, volume.dims[2] - 1), t: 0 } });
  await segment();
}

export function setEdEs(ed: number, es: number): void {
  patchMri({ ed, es });
}


function baseName(name: string): string {
  return name.replace(/\.nii(\.gz)?$|\.[^.]+$/i, '') || 'scan';
}

export function exportLabelsNifti(): void {
  const { volume, segmentation } = useStore.getState().mri;
  if (!volume || !segmentation) return;
  const bytes = writeNiftiLabels(segmentation.labels, volume);
  download(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/gzip' }), `${baseName(volume.source.name)}_labels.nii.gz`);
}

export function exportViewPng(canvas: HTMLCanvasElement | null): void {
  const { volume, view } = useStore.getState().mri;
  if (!canvas || !volume) return;
  canvas.toBlob((blob) => blob && download(blob, `${baseName(volume.source.name)}_z${view.z}_t${view.t}.png`), 'image/png');
}
