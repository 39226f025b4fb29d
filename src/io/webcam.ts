import { LoupeError } from '../errors';

/** Maps getUserMedia's DOMException names to our error codes. */
export function cameraErrorCode(name: string): 'CAMERA_DENIED' | 'CAMERA_NOT_FOUND' | 'CAMERA_BUSY' {
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'CAMERA_DENIED';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return 'CAMERA_NOT_FOUND';
  return 'CAMERA_BUSY';
}

export async function openCamera(deviceId?: string): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) throw new LoupeError('CAMERA_NOT_FOUND', 'this browser exposes no camera API (it needs https or localhost)');
  try {
    return await navigator.mediaDevices.getUserMedia({
      video: deviceId ? { deviceId: { exact: deviceId } } : { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' },
      audio: false,
    });
  } catch (error) {
    const e = error as DOMException;
    throw new LoupeError(cameraErrorCode(e.name), `${e.name}: ${e.message}`);
  }
}

export async function listCameras(): Promise<{ deviceId: string; label: string }[]> {
  const devices = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
  return devices.filter((d) => d.kind === 'videoinput').map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Camera ${i + 1}` }));
}

export function stopStream(stream: MediaStream | undefined): void {
  stream?.getTracks().forEach((t) => t.stop());
}

/** Resolves at the next presented video frame (requestVideoFrameCallback where available). */
export function nextFrame(video: HTMLVideoElement): Promise<void> {
  return new Promise((resolve) => {
    if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(() => resolve());
    else requestAnimationFrame(() => resolve());
  });
}
