import type { Face } from '../core/types';

const KEYPOINT_COLOURS = ['#4fc3f7', '#4fc3f7', '#ffd54f', '#ef5350', '#aed581', '#aed581'];

/**
 * Draws boxes, and unless `labels` is off the scores and keypoints, in image pixels. Lines scale with the image so they
 * stay visible; score tags and keypoints scale with each face, so they never cover a small face.
 */
export function drawFaces(ctx: CanvasRenderingContext2D, faces: Face[], width: number, height: number, { labels = true } = {}): void {
  const imageUnit = Math.max(1.5, Math.max(width, height) / 400);
  ctx.textBaseline = 'bottom';
  for (const face of faces) {
    const [x, y, w, h] = face.box;
    const unit = Math.max(1, Math.min(imageUnit, w / 30));
    ctx.lineWidth = unit;
    ctx.font = `${Math.round(unit * 7)}px system-ui, sans-serif`;
    ctx.strokeStyle = '#00e676';
    ctx.strokeRect(x, y, w, h);
    if (!labels) continue;
    const label = `${Math.round(face.score * 100)}%`;
    const tw = ctx.measureText(label).width;
    ctx.fillStyle = 'rgba(0, 230, 118, 0.85)';
    ctx.fillRect(x - unit / 2, y - unit * 9, tw + unit * 3, unit * 9);
    ctx.fillStyle = '#06210f';
    ctx.fillText(label, x + unit, y - unit);
    face.keypoints.forEach(([px, py], k) => {
      ctx.fillStyle = KEYPOINT_COLOURS[k];
      ctx.beginPath();
      ctx.arc(px, py, unit * 1.6, 0, Math.PI * 2);
      ctx.fill();
    });
  }
}
