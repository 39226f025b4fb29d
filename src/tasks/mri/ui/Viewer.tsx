import { forwardRef, useEffect, useImperativeHandle, useRef, type PointerEvent, type WheelEvent } from 'react';
import { sliceOf, type Volume } from '../../../io/volume';
import { renderSliceRgba } from '../core/display';
import { directionAt } from '../core/postprocess';
import type { Segmentation } from '../core/pipeline';
import type { MriView } from '../store';

const ARROW_STEP_PX = 14;

/** One slice of one frame with window/level, label overlay and direction-field arrows; wheel zooms, drag pans. */
export const Viewer = forwardRef<HTMLCanvasElement | null, { volume: Volume; segmentation?: Segmentation; view: MriView; onView: (v: Partial<MriView>) => void }>(
  function Viewer({ volume, segmentation, view, onView }, ref) {
    const canvas = useRef<HTMLCanvasElement>(null);
    const drag = useRef<{ x: number; y: number; panX: number; panY: number } | null>(null);
    useImperativeHandle(ref, () => canvas.current!, []);
    const [nx, ny, nz] = volume.dims;

    useEffect(() => {
      const target = canvas.current;
      if (!target) return;
      const width = target.clientWidth || 512;
      const height = target.clientHeight || 512;
      target.width = width;
      target.height = height;
      const ctx = target.getContext('2d')!;
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, width, height);

      const index = view.t * nz + view.z;
      const labels = segmentation && view.overlay ? segmentation.labels.subarray(index * nx * ny, (index + 1) * nx * ny) : undefined;
      const rgba = renderSliceRgba(sliceOf(volume, view.z, view.t), labels, nx, ny, { level: view.level, window: view.window, opacity: view.opacity, mode: view.mode, visible: [false, ...view.classes] });
      const native = new OffscreenCanvas(nx, ny);
      native.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, nx, ny), 0, 0);

      // Square pixels on screen in millimetres: x and y are scaled by their own spacing.
      const [dx, dy] = volume.spacingMm;
      const fit = Math.min(width / (nx * dx), height / (ny * dy)) * view.zoom;
      const sx = fit * dx;
      const sy = fit * dy;
      const ox = (width - nx * sx) / 2 + view.panX;
      const oy = (height - ny * sy) / 2 + view.panY;
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(native, ox, oy, nx * sx, ny * sy);

      if (segmentation && view.field) {
        const field = segmentation.fields[index];
        ctx.strokeStyle = '#ffeb3b';
        ctx.lineWidth = 1;
        const stepX = Math.max(1, Math.round(ARROW_STEP_PX / sx));
        const stepY = Math.max(1, Math.round(ARROW_STEP_PX / sy));
        const all = segmentation.labels.subarray(index * nx * ny, (index + 1) * nx * ny);
        for (let y = stepY >> 1; y < ny; y += stepY) {
          for (let x = stepX >> 1; x < nx; x += stepX) {
            if (all[y * nx + x] === 0) continue;
            const [fx, fy] = directionAt(field, segmentation.grid, x, y);
            const len = Math.hypot(fx * sx, fy * sy);
            if (len < 1e-3) continue;
            const px = ox + (x + 0.5) * sx;
            const py = oy + (y + 0.5) * sy;
            const ux = (fx * sx) / len;
            const uy = (fy * sy) / len;
            const l = ARROW_STEP_PX * 0.7;
            const ex = px + ux * l;
            const ey = py + uy * l;
            ctx.beginPath();
            ctx.moveTo(px, py);
            ctx.lineTo(ex, ey);
            ctx.lineTo(ex - ux * 4 - uy * 3, ey - uy * 4 + ux * 3);
            ctx.moveTo(ex, ey);
            ctx.lineTo(ex - ux * 4 + uy * 3, ey - uy * 4 - ux * 3);
            ctx.stroke();
          }
        }
      }
    }, [volume, segmentation, view, nx, ny, nz]);

    const onWheel = (e: WheelEvent) => {
      const zoom = Math.min(16, Math.max(0.5, view.zoom * (e.deltaY < 0 ? 1.15 : 1 / 1.15)));
      onView({ zoom });
    };
    const onPointerDown = (e: PointerEvent) => {
      (e.target as Element).setPointerCapture(e.pointerId);
      drag.current = { x: e.clientX, y: e.clientY, panX: view.panX, panY: view.panY };
    };
    const onPointerMove = (e: PointerEvent) => {
      if (drag.current) onView({ panX: drag.current.panX + e.clientX - drag.current.x, panY: drag.current.panY + e.clientY - drag.current.y });
    };
    return (
      <canvas
        ref={canvas}
        className="mri-canvas"
        data-testid="mri-canvas"
        onWheel={onWheel}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={() => (drag.current = null)}
        onDoubleClick={() => onView({ zoom: 1, panX: 0, panY: 0 })}
        title="Wheel: zoom · drag: pan · double-click: reset"
      />
    );
  },
);
