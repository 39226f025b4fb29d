import { describe, expect, it } from 'vitest';
import { alternateFrames, framesPerSecond, interleaved, type ItemContext } from './context';

const frames = [1, 2, 3].map((i) => ({ id: i }) as unknown as HTMLCanvasElement);
const id = (f: HTMLCanvasElement) => (f as unknown as { id: number }).id;

describe('alternation', () => {
  it('alternates frame by frame and flips the starting side per repetition', async () => {
    const calls: string[] = [];
    const side = (name: string) => async (f: HTMLCanvasElement) => {
      calls.push(`${name}${id(f)}`);
      return { ms: id(f) * (name === 'A' ? 10 : 20) };
    };
    const r0 = await alternateFrames(frames, 0, side('A'), side('B'), new AbortController().signal);
    expect(calls).toEqual(['A1', 'B1', 'B2', 'A2', 'A3', 'B3']);
    expect(r0.a.ms).toEqual([10, 20, 30]);
    expect(r0.b.ms).toEqual([20, 40, 60]);
    calls.length = 0;
    await alternateFrames(frames, 1, side('A'), side('B'), new AbortController().signal);
    expect(calls).toEqual(['B1', 'A1', 'A2', 'B2', 'B3', 'A3']);
    // 3 frames in 60 ms → 50 frames/s.
    expect(framesPerSecond(r0.a)).toBe(50);
  });

  it('interleaves whole calls A/B, B/A, … and reports progress', async () => {
    const calls: string[] = [];
    const lines: string[] = [];
    const ctx = { settings: { reps: 3, frames: 1, quick: false }, signal: new AbortController().signal, progress: (l: string) => lines.push(l) } as unknown as ItemContext;
    const { a, b } = await interleaved(ctx, 'x', async (rep) => calls.push(`a${rep}`), async (rep) => calls.push(`b${rep}`));
    expect(calls).toEqual(['a0', 'b0', 'b1', 'a1', 'a2', 'b2']);
    expect(a).toHaveLength(3);
    expect(b).toHaveLength(3);
    expect(lines).toEqual(['x: repetition 1 of 3', 'x: repetition 2 of 3', 'x: repetition 3 of 3']);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(alternateFrames(frames, 0, async () => ({ ms: 1 }), async () => ({ ms: 1 }), controller.signal)).rejects.toMatchObject({ name: 'ABORTED' });
  });
});
