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

/** Lowest score the worker reports; the slider filters above it. Accurate mode votes only with confident views. */
const DETECTION_FLOOR = 0.3;
const ACCURATE_FLOOR = 0.5;

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
  const { source } = useStore.getState().face;
  await prepareFaces();
  if (wasLive) await startCamera();
  else if (source?.bitmap) await detectStill(source.bitmap, source.name);
}

async function detectStill(bitmap: ImageBitmap, name: string): Promise<void> {
  const { model, accurate } = useStore.getState().face;
  patchFace({ status: 'running', error: undefined });
  try {
    const result = await faceLane.run(async (api) => {
      await readyFaceWorker();
      const copy = await createImageBitmap(bitmap);
      return api.run(Comlink.transfer(copy, [copy]), { model, accurate, scoreThreshold: accurate ? ACCURATE_FLOOR : DETECTION_FLOOR });
    });
    const previous = useStore.getState().face.source;
    if (previous?.bitmap && previous.bitmap !== bitmap) previous.bitmap.close();
    useStore.setState({ backend: result.backend });
    patchFace({ status: 'done', source: { kind: 'image', name, width: result.width, height: result.height, bitmap }, faces: result.faces, times: result.times, passes: result.passes });
  } catch (error) {
    showError(error);
  }
}

/** Dropped or picked files: scans go to the offer to open them in a scan tab; otherwise the first image is opened. */
export async function openFiles(files: File[]): Promise<void> {
  const scans = files.filter((f) => isScanFile(f.name));
  if (scans.length > 0 && scans.length >= files.length / 2) {
    patchFace({ scanOffer: scans });
    return showError(new LoupeError('UNSUPPORTED_FILE', `“${scans[0].name}”${scans.length > 1 ? ` and ${scans.length - 1} more` : ''}: a medical scan, not a photo. Open ${scans.length > 1 ? 'them' : 'it'} in the Cardiac MRI or Chest CT tab (buttons below).`));
  }
  const file = firstFile(files);
  if (file) await openFile(file);
}

/** A dropped, picked or pasted file. Anything wrong leaves the previous result on screen. */
export async function openFile(file: File): Promise<void> {
  if (file.size === 0) return showError(new LoupeError('EMPTY_FILE', `“${file.name}”: 0 bytes`));
  const verdict = classifyImageFile(file.name, file.type);
  if (!verdict.ok) return showError(new LoupeError('UNSUPPORTED_FILE', verdict.reason));
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (error) {
    return showError(new LoupeError('CORRUPT_IMAGE', `“${file.name}” (${verdict.mime}, ${file.size} bytes): ${(error as Error).message}`));
  }
  if (useStore.getState().face.camera.active) stopCamera();
  await detectStill(bitmap, file.name);
}

export function setModel(model: FaceModelId): void {
  patchFace({ model });
  const source = useStore.getState().face.source;
  if (source?.kind === 'image' && source.bitmap) void detectStill(source.bitmap, source.name);
}

export function setAccurate(accurate: boolean): void {
  patchFace({ accurate });
  const source = useStore.getState().face.source;
  if (source?.kind === 'image' && source.bitmap) void detectStill(source.bitmap, source.name);
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
          source: { kind: 'camera', name: 'camera', width: result.width, height: result.height },
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
