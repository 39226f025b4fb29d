export type Point = [x: number, y: number];

/** One face. Coordinates are in the space named by the function that returns it. */
export interface Face {
  /** [x, y, w, h]: top-left corner and size. */
  box: [number, number, number, number];
  score: number;
  /** Six keypoints: right eye, left eye, nose tip, mouth centre, right ear tragion, left ear tragion (subject's side). */
  keypoints: Point[];
}

export const KEYPOINT_NAMES = ['right eye', 'left eye', 'nose tip', 'mouth', 'right ear', 'left ear'] as const;

/** The faces the user asked to see: the worker reports down to a low floor, the slider filters above it. */
export function visibleFaces(faces: Face[], scoreThreshold: number): Face[] {
  return faces.filter((f) => f.score >= scoreThreshold);
}
