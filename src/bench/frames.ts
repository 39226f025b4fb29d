// The video frames both face detectors get: grabbed from the camera (in `npm run bench`, Chromium's fake camera
// playing tests/fixtures/webcam.y4m), or, without a camera, the same composition drawn from the astronaut photo.
import astronautUrl from '../../tests/fixtures/astronaut.png?url';
import { nextFrame, openCamera, stopStream } from '../io/webcam';

export interface FrameSet {
  frames: HTMLCanvasElement[];
  width: number;
  height: number;
  source: string;
}

function canvasOf(width: number, height: number): [HTMLCanvasElement, CanvasRenderingContext2D] {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return [canvas, canvas.getContext('2d', { willReadFrequently: true })!];
}

/** `count` frames from the default camera at 640×480 (distinct frames, one per presented video frame). */
async function cameraFrames(count: number): Promise<FrameSet> {
  const stream = await openCamera();
  const video = Object.assign(document.createElement('video'), { muted: true, playsInline: true, autoplay: true });
  try {
    video.srcObject = stream;
    await video.play();
    const frames: HTMLCanvasElement[] = [];
    while (frames.length < count) {
      await nextFrame(video);
      if (video.videoWidth === 0) continue;
      const [canvas, ctx] = canvasOf(video.videoWidth, video.videoHeight);
      ctx.drawImage(video, 0, 0);
      frames.push(canvas);
    }
    // Chromium's fake camera names itself after the file it plays: keep the name, not the machine's path.
    const label = (stream.getVideoTracks()[0]?.label || 'camera').replace(/^.*[\/]/, '');
    return { frames, width: frames[0].width, height: frames[0].height, source: `camera “${label}”, ${frames[0].width}×${frames[0].height}, ${count} consecutive frames` };
  } finally {
    video.srcObject = null;
    stopStream(stream);
  }
}

/** tests/fixtures/make-webcam.sh's composition: the 512² photo scaled to 480² and centred on a 640×480 grey frame. */
async function photoFrames(count: number): Promise<FrameSet> {
  const blob = await (await fetch(astronautUrl)).blob();
  const bitmap = await createImageBitmap(blob);
  const [canvas, ctx] = canvasOf(640, 480);
  ctx.fillStyle = '#767c83';
  ctx.fillRect(0, 0, 640, 480);
  ctx.drawImage(bitmap, 80, 0, 480, 480);
  bitmap.close();
  return { frames: Array.from({ length: count }, () => canvas), width: 640, height: 480, source: 'no camera: the astronaut photo composed as the fake-webcam clip, 640×480' };
}

export async function captureFrames(count: number, { camera = true } = {}): Promise<FrameSet> {
  if (camera) {
    try {
      return await cameraFrames(count);
    } catch {
      /* no camera or refused: the photo */
    }
  }
  return photoFrames(count);
}

/** RGBA pixels of a frame (what our worker reads back from the transferred bitmap). */
export function pixelsOf(frame: HTMLCanvasElement): ImageData {
  return frame.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, frame.width, frame.height);
}
