import { useEffect, useRef } from 'react';
import type { Face } from '../core/types';
import type { FaceSource } from '../store';
import { video } from '../actions';
import { drawFaces } from './overlay';
import { pixelateCanvas } from './export';

/** The picture (still image or live video) with boxes and keypoints drawn over it in image pixels. */
export function Stage({ source, faces, live, anonymise, labels }: { source?: FaceSource; faces: Face[]; live: boolean; anonymise: boolean; labels: boolean }) {
  const base = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);
  const videoHost = useRef<HTMLDivElement>(null);
  const width = source?.width ?? 0;
  const height = source?.height ?? 0;

  useEffect(() => {
    const host = videoHost.current;
    if (live && host) host.prepend(video);
    return () => video.remove();
  }, [live]);

  useEffect(() => {
    const canvas = base.current;
    if (!canvas || live || !source?.bitmap) return;
    canvas.width = source.width;
    canvas.height = source.height;
    const ctx = canvas.getContext('2d', { willReadFrequently: anonymise })!;
    ctx.drawImage(source.bitmap, 0, 0);
    if (anonymise) pixelateCanvas(ctx, faces);
  }, [source, live, anonymise, faces]);

  useEffect(() => {
    const canvas = overlay.current;
    if (!canvas || !width) return;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext('2d', { willReadFrequently: anonymise })!;
    ctx.clearRect(0, 0, width, height);
    if (!anonymise) return drawFaces(ctx, faces, width, height, { labels });
    // Live: the faces of the newest frame, pixelated over the video (the photo is pixelated in the base layer).
    if (live) {
      ctx.drawImage(video, 0, 0, width, height);
      pixelateCanvas(ctx, faces, true);
    }
  }, [faces, width, height, anonymise, live, labels]);

  if (!source && !live) {
    return (
      <div className="stage empty">
        <p>Drop a photo anywhere here, paste one (Ctrl+V), open a file, or start the camera.</p>
        <p className="muted">Everything runs in this browser tab: nothing is uploaded.</p>
      </div>
    );
  }
  return (
    <div className="stage" ref={videoHost} style={width ? { aspectRatio: `${width} / ${height}` } : undefined}>
      {!live && <canvas ref={base} className="layer" data-testid="face-image" />}
      <canvas ref={overlay} className="layer overlay" data-testid="face-overlay" />
    </div>
  );
}
