/**
 * SSD anchor generation, a port of MediaPipe's `SsdAnchorsCalculator` for the options BlazeFace uses
 * (aspect ratio 1, fixed anchor size, one interpolated anchor per layer). Anchors with equal strides are
 * merged into one grid, so the 128 model's strides [8,16,16,16] give 16×16×2 + 8×8×6 = 896 anchors.
 */
export interface SsdAnchorOptions {
  inputSize: number;
  strides: number[];
  anchorOffset: number;
}

export const SHORT_RANGE_ANCHORS: SsdAnchorOptions = { inputSize: 128, strides: [8, 16, 16, 16], anchorOffset: 0.5 };
export const FULL_RANGE_ANCHORS: SsdAnchorOptions = { inputSize: 256, strides: [16, 32, 32, 32], anchorOffset: 0.5 };

/** Returns anchor centres as interleaved [x0, y0, x1, y1, …] in [0, 1] of the model input, row-major per grid. */
export function generateAnchors({ inputSize, strides, anchorOffset }: SsdAnchorOptions): Float32Array {
  const centres: number[] = [];
  let layer = 0;
  while (layer < strides.length) {
    let anchorsPerCell = 0;
    let last = layer;
    // Layers sharing a stride share one grid; each contributes an anchor plus an interpolated one.
    while (last < strides.length && strides[last] === strides[layer]) {
      anchorsPerCell += 2;
      last++;
    }
    const cells = Math.ceil(inputSize / strides[layer]);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let a = 0; a < anchorsPerCell; a++) centres.push((x + anchorOffset) / cells, (y + anchorOffset) / cells);
      }
    }
    layer = last;
  }
  return Float32Array.from(centres);
}
