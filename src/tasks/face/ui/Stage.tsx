import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../../../app/store';
import { visibleFaces } from '../core/types';
import type { FaceSlice } from '../store';
import { video } from '../actions';
import { drawFaces } from './overlay';
import { pixelateCanvas } from './export';

/**
 * The picture (still image or live video) with boxes and keypoints drawn over it in image pixels. React renders it
 * when the picture or a drawing option changes; new faces (every live frame) are painted by a store subscription
 * straight onto the canvases, without a render.
 */
export function Stage() {
  const { source, live, anonymise, labels } = useStore(
    useShallow(({ face }: FaceSlice) => ({ source: face.source, live: face.camera.active, anonymise: face.anonymise, labels: face.showLabels })),
  );
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
    const paint = ({ faces, scoreThreshold }: FaceSlice['face']) => {
      const shown = visibleFaces(faces, scoreThreshold);
      const photo = base.current;
      if (photo && !live && source?.bitmap) {
        photo.width = source.width;
        photo.height = source.height;
        const ctx = photo.getContext('2d', { willReadFrequently: anonymise })!;
        ctx.drawImage(source.bitmap, 0, 0);
        if (anonymise) pixelateCanvas(ctx, shown);
      }
      const canvas = overlay.current;
      if (!canvas || !width) return;
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
      }
      const ctx = canvas.getContext('2d', { willReadFrequently: anonymise })!;
      ctx.clearRect(0, 0, width, height);
      if (!anonymise) return drawFaces(ctx, shown, width, height, { labels });
      // Live: the faces of the newest frame, pixelated over the video (the photo is pixelated in the base layer).
      if (live) {
        ctx.drawImage(video, 0, 0, width, height);
        pixelateCanvas(ctx, shown, true);
      }
    };
    paint(useStore.getState().face);
    return useStore.subscribe(({ face }, { face: before }) => {
      // A new picture or option renders first (this effect runs again then); an old photo's bitmap may be closed.
      if (face.source !== source || face.camera.active !== live || face.anonymise !== anonymise || face.showLabels !== labels) return;
      if (face.faces !== before.faces || face.scoreThreshold !== before.scoreThreshold) paint(face);
    });
  }, [source, width, height, anonymise, live, labels]);

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
