import { describe, expect, it } from 'vitest';
import { anonymisedRect, pixelateFaces } from './anonymise';

/** A 100×80 image with a fine checkerboard, so any pixelation shows. */
function checker(width = 100, height = 80) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set((i % width) % 2 === Math.floor(i / width) % 2 ? [250, 10, 10, 255] : [10, 10, 250, 255], i * 4);
  return { width, height, data };
}

describe('pixelateFaces', () => {
  it('changes every block inside the face rectangle and not one pixel outside it', () => {
    const image = checker();
    const before = Uint8ClampedArray.from(image.data);
    const [rect] = pixelateFaces(image, [{ box: [30, 20, 40, 40] }]);
    expect(rect).toEqual([24, 14, 76, 66]);
    let outsideChanged = 0;
    let insideSame = 0;
    for (let y = 0; y < 80; y++) {
      for (let x = 0; x < 100; x++) {
        const i = (y * 100 + x) * 4;
        const same = before[i] === image.data[i] && before[i + 2] === image.data[i + 2];
        const inside = x >= rect[0] && x < rect[2] && y >= rect[1] && y < rect[3];
        if (!inside && !same) outsideChanged++;
        if (inside && same) insideSame++;
      }
    }
    expect(outsideChanged).toBe(0);
    expect(insideSame).toBe(0); // a checkerboard averages to purple everywhere in a block
  });

  it('clips the rectangle to the image', () => {
    expect(anonymisedRect([-10, 70, 30, 30], 100, 80)).toEqual([0, 65, 25, 80]);
  });
});
