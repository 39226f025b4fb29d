import type { Face, Point } from './types';

export function iou(a: Face['box'], b: Face['box']): number {
  const x0 = Math.max(a[0], b[0]);
  const y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

export interface FuseOptions {
  /** Detections overlapping the cluster's best one by at least this IoU join its cluster. */
  iouThreshold: number;
  /** Clusters with fewer members are dropped (1 keeps every cluster). */
  minVotes?: number;
}

/**
 * Score-weighted box voting: repeatedly takes the best remaining detection, gathers every detection that
 * overlaps it by `iouThreshold`, and replaces the cluster with the score-weighted mean of its boxes and
 * keypoints, keeping the best score. With one model's raw output this is MediaPipe's weighted ("blending")
 * NMS; over the passes of accurate mode it is FDNet's vote-based ensemble.
 */
export function fuseByVoting(faces: Face[], { iouThreshold, minVotes = 1 }: FuseOptions): Face[] {
  const remaining = [...faces].sort((a, b) => b.score - a.score);
  const fused: Face[] = [];
  while (remaining.length > 0) {
    // The best detection always founds its cluster: a zero-area or NaN box has IoU 0 with itself and would
    // otherwise never leave `remaining`, looping forever.
    const best = remaining.shift()!;
    const cluster: Face[] = [best];
    for (let i = remaining.length - 1; i >= 0; i--) {
      if (iou(best.box, remaining[i].box) >= iouThreshold) cluster.push(...remaining.splice(i, 1));
    }
    if (cluster.length >= minVotes) fused.push(blend(cluster, best.score));
  }
  return fused;
}

function blend(cluster: Face[], score: number): Face {
  const total = cluster.reduce((sum, f) => sum + f.score, 0);
  const box: Face['box'] = [0, 0, 0, 0];
  const keypoints: Point[] = cluster[0].keypoints.map(() => [0, 0]);
  for (const f of cluster) {
    const w = f.score / total;
    for (let j = 0; j < 4; j++) box[j] += f.box[j] * w;
    f.keypoints.forEach((p, k) => {
      keypoints[k][0] += p[0] * w;
      keypoints[k][1] += p[1] * w;
    });
  }
  return { box, score, keypoints };
}
