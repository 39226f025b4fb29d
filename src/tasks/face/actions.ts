// Side effects of the faces task: the face worker, files, the webcam loop and exports.
import { useStore } from '../../app/store';
import type { FaceSlice } from './store';
import { download } from '../../io/download';
import { classifyImageFile, firstFile, isScanFile } from '../../io/image';
import { listCameras, nextFrame, openCamera, stopStream } from '../../io/webcam';
import { LoupeError, toUserError, type ErrorCode } from '../../errors';
import { isSuperseded, Lane } from '../../runtime/bridge';
import { Comlink } from '../../runtime/worker';
import type { FaceResult, FaceWorkerApi } from '../../../workers/face.worker';
import type { FaceModelId } from './core/models';
import { visibleFaces, type Face } from './core/types';
import { createFaceWorker } from './worker';

export function patchFace(patch: Partial<FaceSlice['face']>): void {
  useStore.setState((s) => ({ face: { ...s.face, ...patch } }));
}

import { ACCURATE_FLOOR, DEFAULT_SCORE_THRESHOLD, DETECTION_FLOOR, LIVE_SCORE_THRESHOLD } from './core/thresholds';
import type { StageTimes } from './core/pipeline';

/** The face lane: one detection at a time (a photo, or the newest webcam frame); a new input aborts the previous one. */
export const faceLane = new Lane<FaceWorkerApi>('face', () => createFaceWorker());

/** The face worker with the selected model loaded. */
async function readyFaceWorker() {
  const { api, ready } = faceLane.worker();
  await ready;
  useStore.setState({ backend: await api.load(useStore.getState().face.model) });
  return api;
}

function showError(error: unknown, fallback?: ErrorCode): void {
  const e = toUserError(error, fallback);
  if (e.code === 'ABORTED' || isSuperseded(error)) return;
  patchFace({ error: e, status: useStore.getState().face.source ? 'done' : 'error' });
}

export function dismissError(): void {
  patchFace({ error: undefined, scanOffer: undefined });
}

/** Loads the runtime and the selected model ahead of the first input, with progress. */
export async function prepareFaces(): Promise<void> {
  const wasIdle = useStore.getState().face.status === 'idle';
  if (wasIdle) patchFace({ status: 'loading' });
  try {
    await readyFaceWorker();
    if (useStore.getState().face.status === 'loading') patchFace({ status: 'idle' });
  } catch (error) {
    showError(error, 'MODEL_FETCH_FAILED');
  }
}

/** The worker is about to be replaced (new provider or threads): stop the camera; the returned function resumes. */
export function abandonFaces(): () => Promise<void> {
  const wasLive = useStore.getState().face.camera.active;
  if (wasLive) stopCamera();
  return () => resumeFaces(wasLive);
}

/** After the runtime was reset (new provider or threads): restart the camera or re-run the photo. */
export async function resumeFaces(wasLive: boolean): Promise<void> {
  await prepareFaces();
  if (wasLive) await startCamera();
  else rerunSelected(true);
}

// ---- Photos: a gallery of the dropped or picked photos, each detected once per model setting ----------------

/** At most this many photos from one drop or pick; the rest get a message. */
export const GALLERY_MAX = 24;

interface Photo {
  bitmap: ImageBitmap;
  /** Detections by `model|accurate`, so switching back to a photo (or a setting) is instant. */
  results: Map<string, { faces: Face[]; times: StageTimes; passes: number; width: number; height: number }>;
}
const photos = new Map<number, Photo>();
let nextPhotoId = 1;

const settingsKey = () => {
  const { model, accurate } = useStore.getState().face;
  return `${model}|${accurate}`;
};

/** Replaces the gallery with these photos (their bitmaps owned here from now on) and shows the first. */
function setGallery(items: { name: string; bitmap: ImageBitmap }[], notes: string[] = []): void {
  for (const p of photos.values()) p.bitmap.close();
  photos.clear();
  const gallery = items.map(({ name, bitmap }) => {
    const id = nextPhotoId++;
    photos.set(id, { bitmap, results: new Map() });
    return { id, name, width: bitmap.width, height: bitmap.height };
  });
  patchFace({ gallery, galleryNotes: notes });
}

/** Thumbnails draw from this. */
export function photoBitmap(id: number): ImageBitmap | undefined {
  return photos.get(id)?.bitmap;
}

/** Shows a gallery photo: its cached detections at once, or a detection run the first time. */
export async function selectPhoto(id: number): Promise<void> {
  const item = useStore.getState().face.gallery.find((p) => p.id === id);
  const photo = photos.get(id);
  if (!item || !photo) return;
  if (useStore.getState().face.camera.active) stopCamera();
  // The live default was not changed by the user: back to the photos' default.
  if (useStore.getState().face.scoreThreshold === LIVE_SCORE_THRESHOLD) patchFace({ scoreThreshold: DEFAULT_SCORE_THRESHOLD });
  patchFace({ selected: id });
  await detectStill(id);
}

async function detectStill(id: number): Promise<void> {
  const photo = photos.get(id);
  const item = useStore.getState().face.gallery.find((p) => p.id === id);
  if (!photo || !item) return;
  const { model, accurate } = useStore.getState().face;
  const key = settingsKey();
  const source = { kind: 'image' as const, name: item.name, width: item.width, height: item.height, bitmap: photo.bitmap };
  const cached = photo.results.get(key);
  if (cached) {
    faceLane.supersede();
    patchFace({ status: 'done', error: undefined, source, faces: cached.faces, times: cached.times, passes: cached.passes });
    return;
  }
  patchFace({ status: 'running', error: undefined, source, faces: [], times: undefined, passes: 0 });
  try {
    const result = await faceLane.run(async (api) => {
      await readyFaceWorker();
      const copy = await createImageBitmap(photo.bitmap);
      return api.run(Comlink.transfer(copy, [copy]), { model, accurate, scoreThreshold: accurate ? ACCURATE_FLOOR : DETECTION_FLOOR });
    });
    photo.results.set(key, { faces: result.faces, times: result.times, passes: result.passes, width: result.width, height: result.height });
    useStore.setState({ backend: result.backend });
    if (useStore.getState().face.selected !== id || settingsKey() !== key) return;
    patchFace({ status: 'done', source: { ...source, width: result.width, height: result.height }, faces: result.faces, times: result.times, passes: result.passes });
  } catch (error) {
    showError(error);
  }
}

/** The selected photo again (after a model or mode change, or a runtime reset). */
function rerunSelected(clearCache = false): void {
  const { selected, source } = useStore.getState().face;
  if (source?.kind !== 'image' || selected === undefined) return;
  if (clearCache) photos.get(selected)?.results.clear();
  void detectStill(selected);
}

/** Why a file cannot be shown as a photo, or its bitmap. */
async function decodePhoto(file: File): Promise<{ bitmap: ImageBitmap } | { error: LoupeError }> {
  if (file.size === 0) return { error: new LoupeError('EMPTY_FILE', `“${file.name}”: 0 bytes`) };
  const verdict = classifyImageFile(file.name, file.type);
  if (!verdict.ok) return { error: new LoupeError('UNSUPPORTED_FILE', verdict.reason) };
  try {
    return { bitmap: await createImageBitmap(file) };
  } catch (error) {
    return { error: new LoupeError('CORRUPT_IMAGE', `“${file.name}” (${verdict.mime}, ${file.size} bytes): ${(error as Error).message}`) };
  }
}

/**
 * Dropped or picked files: scans go to the offer to open them in a scan tab; one file is opened; several become a
 * gallery (up to GALLERY_MAX photos), with a message per file that is not a readable image.
 */
export async function openFiles(files: File[]): Promise<void> {
  const scans = files.filter((f) => isScanFile(f.name));
  if (scans.length > 0 && scans.length >= files.length / 2) {
    patchFace({ scanOffer: scans });
    return showError(new LoupeError('UNSUPPORTED_FILE', `“${scans[0].name}”${scans.length > 1 ? ` and ${scans.length - 1} more` : ''}: a medical scan, not a photo. Open ${scans.length > 1 ? 'them' : 'it'} in the Cardiac MRI or Chest CT tab (buttons below).`));
  }
  if (files.length <= 1) {
    const file = firstFile(files);
    return file ? openFile(file) : undefined;
  }
  const notes: string[] = [];
  const items: { name: string; bitmap: ImageBitmap }[] = [];
  let firstError: LoupeError | undefined;
  let skipped = 0;
  for (const file of files) {
    if (items.length >= GALLERY_MAX) {
      skipped++;
      continue;
    }
    const decoded = await decodePhoto(file);
    if ('bitmap' in decoded) items.push({ name: file.name, bitmap: decoded.bitmap });
    else {
      firstError ??= decoded.error;
      notes.push(decoded.error.message.startsWith('“') ? decoded.error.message : `“${file.name}”: ${decoded.error.message}`);
    }
  }
  if (skipped > 0) notes.push(`${skipped} more file${skipped === 1 ? '' : 's'} not opened: the gallery shows at most ${GALLERY_MAX} photos at a time.`);
  if (items.length === 0) return showError(firstError ?? new LoupeError('UNSUPPORTED_FILE', 'no image among the dropped files'));
  if (useStore.getState().face.camera.active) stopCamera();
  setGallery(items, notes);
  await selectPhoto(useStore.getState().face.gallery[0].id);
}

/** A dropped, picked or pasted file: the gallery becomes this one photo. Anything wrong leaves the previous result on screen. */
export async function openFile(file: File): Promise<void> {
  const decoded = await decodePhoto(file);
  if ('error' in decoded) return showError(decoded.error);
  if (useStore.getState().face.camera.active) stopCamera();
  setGallery([{ name: file.name, bitmap: decoded.bitmap }]);
  await selectPhoto(useStore.getState().face.gallery[0].id);
}

export function setModel(model: FaceModelId): void {
  patchFace({ model });
  rerunSelected();
}

export function setAccurate(accurate: boolean): void {
  patchFace({ accurate });
  rerunSelected();
}

export function setShowLabels(showLabels: boolean): void {
  patchFace({ showLabels });
}

export function setAnonymise(anonymise: boolean): void {
  patchFace({ anonymise });
}

export function setScoreThreshold(scoreThreshold: number): void {
  patchFace({ scoreThreshold });
}

// ---- Live webcam ----------------------------------------------------------------------------------------

/** The live video element; the stage mounts it, this module owns its stream. */
export const video: HTMLVideoElement = Object.assign(document.createElement('video'), { muted: true, playsInline: true, autoplay: true });
video.dataset.testid = 'camera-video';
let stream: MediaStream | undefined;
let liveSession = 0;

export async function refreshCameras(): Promise<void> {
  try {
    const devices = await listCameras();
    useStore.setState((s) => ({ face: { ...s.face, camera: { ...s.face.camera, devices } } }));
  } catch {
    /* enumerateDevices unavailable: the picker stays empty */
  }
}

export async function startCamera(deviceId = useStore.getState().face.camera.deviceId): Promise<void> {
  stopCamera();
  const session = ++liveSession;
  // Untouched photo default → the live default (fewer false faces on face-free frames; see core/thresholds.ts).
  if (useStore.getState().face.scoreThreshold === DEFAULT_SCORE_THRESHOLD) patchFace({ scoreThreshold: LIVE_SCORE_THRESHOLD });
  patchFace({ error: undefined });
  try {
    stream = await openCamera(deviceId);
    if (session !== liveSession) return stopStream(stream);
    video.srcObject = stream;
    await video.play();
    await refreshCameras();
    const settings = stream.getVideoTracks()[0]?.getSettings();
    useStore.setState((s) => ({ face: { ...s.face, camera: { ...s.face.camera, active: true, deviceId: settings?.deviceId ?? deviceId, fps: 0 } } }));
  } catch (error) {
    stopCamera();
    return showError(error, 'CAMERA_BUSY');
  }
  void liveLoop(session);
}

export function stopCamera(): void {
  liveSession++;
  if (stream) faceLane.supersede();
  stopStream(stream);
  stream = undefined;
  video.srcObject = null;
  useStore.setState((s) => ({ face: { ...s.face, camera: { ...s.face.camera, active: false, fps: 0 }, status: s.face.source?.kind === 'camera' ? 'done' : s.face.status } }));
}

function sameCameraSource(source: FaceSlice['face']['source'], frame: { width: number; height: number }) {
  return source?.kind === 'camera' && source.width === frame.width && source.height === frame.height ? source : undefined;
}

/** At most one frame in flight: the next frame is grabbed only when the last result is back, so the newest wins. */
async function liveLoop(session: number): Promise<void> {
  let fps = 0;
  let last = performance.now();
  try {
    await readyFaceWorker();
    while (session === liveSession) {
      await nextFrame(video);
      if (session !== liveSession || video.videoWidth === 0) continue;
      const frame = await createImageBitmap(video);
      const { model } = useStore.getState().face;
      const result: FaceResult = await faceLane.run((api) => api.run(Comlink.transfer(frame, [frame]), { model, scoreThreshold: DETECTION_FLOOR }));
      if (session !== liveSession) return;
      const now = performance.now();
      const instant = 1000 / Math.max(1, now - last);
      fps = fps === 0 ? instant : fps * 0.8 + instant * 0.2;
      last = now;
      useStore.setState((s) => ({
        backend: result.backend,
        face: {
          ...s.face,
          status: 'done',
          // the same object while the frame size holds, so the views that show the source do not re-render per frame
          source: sameCameraSource(s.face.source, result) ?? { kind: 'camera', name: 'camera', width: result.width, height: result.height },
          faces: result.faces,
          times: result.times,
          passes: result.passes,
          camera: { ...s.face.camera, fps },
        },
      }));
    }
  } catch (error) {
    if (session === liveSession) {
      stopCamera();
      showError(error);
    }
  }
}

// ---- Export ---------------------------------------------------------------------------------------------

export function baseName(name: string): string {
  return name.replace(/\.[^.]+$/, '') || 'faces';
}

/** The same schema as `npm run infer -- face … --json`, one entry. */
export function resultJson(): { file: string; width: number; height: number; faces: Face[] } | undefined {
  const { source, faces, scoreThreshold } = useStore.getState().face;
  if (!source) return undefined;
  return { file: source.name, width: source.width, height: source.height, faces: visibleFaces(faces, scoreThreshold) };
}

export function exportJson(): void {
  const json = resultJson();
  if (json) download(new Blob([JSON.stringify([json], null, 2)], { type: 'application/json' }), `${baseName(json.file)}.faces.json`);
}
