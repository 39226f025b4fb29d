// The PNG export: the picture at full size with the boxes and keypoints the user sees drawn on it.
import { useStore } from '../../../app/store';
import { download } from '../../../io/download';
import { baseName, video } from '../actions';
import { pixelateFaces } from '../core/anonymise';
import { visibleFaces, type Face } from '../core/types';
import { drawFaces } from './overlay';

/**
 * Pixelates the faces on a canvas that holds the picture (`onlyFaces`: then clears everything else, so the canvas can
 * lie over a live video and hide just the faces).
 */
export function pixelateCanvas(ctx: CanvasRenderingContext2D, faces: Face[], onlyFaces = false): void {
  const { width, height } = ctx.canvas;
  const image = ctx.getImageData(0, 0, width, height);
  const rects = pixelateFaces(image, faces);
  if (!onlyFaces) return ctx.putImageData(image, 0, 0);
  ctx.clearRect(0, 0, width, height);
  for (const [x0, y0, x1, y1] of rects) ctx.putImageData(image, 0, 0, x0, y0, x1 - x0, y1 - y0);
}

/** The picture at full size with every visible face pixelated: `<name>.anonymised.png`. */
export function exportAnonymisedPng(): void {
  const { source, faces, scoreThreshold } = useStore.getState().face;
  if (!source) return;
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = source.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(source.bitmap ?? video, 0, 0, source.width, source.height);
  pixelateCanvas(ctx, visibleFaces(faces, scoreThreshold));
  canvas.toBlob((blob) => blob && download(blob, `${baseName(source.name)}.anonymised.png`), 'image/png');
}

let recorder: MediaRecorder | undefined;

/**
 * Records the live camera with every face pixelated to WebM (MediaRecorder over a canvas the frames are drawn on, faces
 * of the newest detection hidden); Stop downloads `camera.anonymised.webm`. Nothing else is ever recorded.
 */
export function toggleRecording(): void {
  if (recorder) return void recorder.stop();
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const chunks: Blob[] = [];
  let drawing = true;
  const draw = () => {
    if (!drawing) return;
    const { faces, scoreThreshold, source } = useStore.getState().face;
    if (video.videoWidth > 0) {
      if (canvas.width !== video.videoWidth) canvas.width = video.videoWidth;
      if (canvas.height !== video.videoHeight) canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0);
      if (source?.kind === 'camera') pixelateCanvas(ctx, visibleFaces(faces, scoreThreshold));
    }
    requestAnimationFrame(draw);
  };
  draw();
  const rec = new MediaRecorder(canvas.captureStream(30), { mimeType: 'video/webm' });
  rec.ondataavailable = (e) => e.data.size > 0 && chunks.push(e.data);
  rec.onstop = () => {
    drawing = false;
    recorder = undefined;
    useStore.setState((s) => ({ face: { ...s.face, recording: false } }));
    download(new Blob(chunks, { type: 'video/webm' }), 'camera.anonymised.webm');
  };
  rec.start(1000);
  recorder = rec;
  useStore.setState((s) => ({ face: { ...s.face, recording: true } }));
}

export function exportPng(): void {
  const { source, faces, scoreThreshold } = useStore.getState().face;
  if (!source) return;
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = source.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(source.bitmap ?? video, 0, 0, source.width, source.height);
  drawFaces(ctx, visibleFaces(faces, scoreThreshold), source.width, source.height);
  canvas.toBlob((blob) => blob && download(blob, `${baseName(source.name)}.faces.png`), 'image/png');
}
