// The face task's score thresholds, in one place: the UI's default, the worker's floors, the CLI's default.

/**
 * The live view's default minimum score, chosen from bench/results/face-false-positives.json
 * (scripts/face-false-positives.ts; README, "Faces: false positives"): no face on any face-free frame there.
 */
export const LIVE_SCORE_THRESHOLD = 0.7;
/** Photos' default (slider start, CLI): Accurate mode needs it for small faces (the mosaic loses 2 of 13 at 0.7). */
export const DEFAULT_SCORE_THRESHOLD = 0.5;
/** Lowest score the worker reports for a photo or a live frame; the slider filters above it. */
export const DETECTION_FLOOR = 0.3;
/** Accurate mode votes only with confident views. */
export const ACCURATE_FLOOR = 0.5;
