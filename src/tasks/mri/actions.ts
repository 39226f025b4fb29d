// Side effects of the MRI task: reading scans, the MRI worker (progress, cancel), measures and exports.
import { patchMri, patchMriView, useStore } from '../../app/store';
import { taskWorker } from '../../app/workers';
import { download } from '../../io/download';
import { namedFiles } from '../../io/dropped';
import { writeNiftiLabels } from '../../io/nifti';
import { readVolume } from '../../io/readVolume';
import { decodeImageBytes, readFiles } from '../../io/decodeImage';
import type { Volume } from '../../io/volume';
import { LoupeError, toUserError, type ErrorCode } from '../../runtime/errors';
import { Comlink } from '../../runtime/worker';
import type { MriWorkerApi } from '../../../workers/mri.worker';
import { autoWindow } from './core/display';
import { measure } from './core/pipeline';
import { INITIAL_VIEW } from './store';

function mriWorker() {
  return taskWorker<MriWorkerApi>('mri', () => new Worker(new URL('../../../workers/mri.worker.ts', import.meta.url), { type: 'module', name: 'mri' }));
}

async function readyMriWorker() {
  const { api, ready } = mriWorker();
  await ready;
  useStore.setState({ backend: await api.load() });
  return api;
}

function showError(error: unknown, fallback?: ErrorCode): void {
  const e = toUserError(error, fallback);
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

let request = 0;

/** Dropped or picked files: one NIfTI, a DICOM series (files or a folder), or slice images. A failure keeps what is on screen. */
export async function openMriFiles(files: File[]): Promise<void> {
  if (files.length === 0) return;
  const mine = ++request;
  const previous = useStore.getState().mri.status;
  patchMri({ status: 'reading', error: undefined });
  let volume: Volume;
  try {
    volume = await readVolume(await readFiles(namedFiles(files)), decodeImageBytes);
  } catch (error) {
    if (mine !== request) return;
    patchMri({ status: previous === 'reading' || previous === 'running' ? 'done' : previous });
    return showError(error, 'CORRUPT_VOLUME');
  }
  if (mine !== request) return;
  const [, , nz, nt] = volume.dims;
  patchMri({ volume, segmentation: undefined, measures: undefined, ed: 0, es: 0, view: { ...INITIAL_VIEW, ...autoWindow(volume.data), z: Math.floor(nz / 2), t: 0 } });
  if (nt < 1 || nz < 1) return showError(new LoupeError('CORRUPT_VOLUME', `${volume.source.name} has no slices`));
  await segment();
}

/** Runs the model on every slice and frame of the open volume, with progress; `cancelMri` stops it. */
export async function segment(): Promise<void> {
  const { volume } = useStore.getState().mri;
  if (!volume) return;
  const mine = ++request;
  patchMri({ status: 'running', error: undefined, progress: { done: 0, total: volume.dims[2] * volume.dims[3] } });
  try {
    const api = await readyMriWorker();
    const result = await api.segment(volume, Comlink.proxy((done: number, total: number) => mine === request && patchMri({ progress: { done, total } })));
    if (mine !== request) return;
    const measures = measure(result.labels, volume);
    const { backend, inferMs, ...segmentation } = result;
    useStore.setState({ backend });
    patchMri({ status: 'done', segmentation, measures, ed: measures.suggested.ed, es: measures.suggested.es, progress: undefined, inferMs });
  } catch (error) {
    if (mine === request) showError(error);
  }
}

/** Stops a running segmentation between two slices. `abandon` (the worker is about to be replaced) drops it at once. */
export function cancelMri({ abandon = false } = {}): void {
  const { status, volume } = useStore.getState().mri;
  if (status !== 'running') return;
  if (!abandon) return void mriWorker().api.cancel();
  request++;
  patchMri({ status: volume ? 'done' : 'idle', progress: undefined });
}

/** Pixel size for slice images, whose files carry none; re-measures (and re-segments, since the model resamples). */
export async function setImageSpacing(mm: number): Promise<void> {
  const { volume } = useStore.getState().mri;
  if (!volume || !(mm > 0)) return;
  patchMri({ volume: { ...volume, spacingMm: [mm, mm, volume.spacingMm[2]] } });
  await segment();
}

export function setEdEs(ed: number, es: number): void {
  patchMri({ ed, es });
}

export { patchMriView as setMriView };

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
