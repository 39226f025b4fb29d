import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { iou } from '../src/tasks/face/core/fuse';
import { ASTRONAUT, ASTRONAUT_FACE, buildMosaic } from '../tests/fixtures/mosaic.mjs';

const exec = promisify(execFile);
const TSX = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
const CLI = join(import.meta.dirname, 'infer.ts');
type Box = [number, number, number, number];
type Entry = { file: string; width: number; height: number; faces: { box: Box; score: number; keypoints: [number, number][] }[] };

async function infer(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(TSX, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function matched(found: Entry['faces'], truth: Box[]): number {
  return truth.filter((t) => found.some((f) => iou(f.box, t) >= 0.5)).length;
}

describe('npm run infer -- face', () => {
  it('finds the one face in astronaut.png, on the hand-measured box, with keypoints on it', async () => {
    const { code, stdout } = await infer('face', ASTRONAUT, '--json');
    expect(code).toBe(0);
    const [entry] = JSON.parse(stdout) as Entry[];
    expect(entry).toMatchObject({ file: ASTRONAUT, width: 512, height: 512 });
    expect(entry.faces).toHaveLength(1);
    const face = entry.faces[0];
    expect(iou(face.box, ASTRONAUT_FACE as Box)).toBeGreaterThan(0.7);
    expect(face.score).toBeGreaterThan(0.8);
    expect(face.keypoints).toHaveLength(6);
    const [[rx, ry], [lx, ly]] = face.keypoints; // subject's right eye is on the image's left
    expect(rx).toBeLessThan(lx);
    expect(Math.abs(ry - ly)).toBeLessThan(15);
    for (const [x, y] of face.keypoints) {
      expect(x).toBeGreaterThan(ASTRONAUT_FACE[0] - 10);
      expect(x).toBeLessThan(ASTRONAUT_FACE[0] + ASTRONAUT_FACE[2] + 10);
      expect(y).toBeGreaterThan(ASTRONAUT_FACE[1]);
      expect(y).toBeLessThan(ASTRONAUT_FACE[1] + ASTRONAUT_FACE[3]);
    }
  });

  it('accurate mode finds the small faces of a group photo that one pass misses', async () => {
    const mosaic = await buildMosaic();
    const file = join(mkdtempSync(join(tmpdir(), 'loupe-')), 'group.png');
    writeFileSync(file, mosaic.png);
    const single = JSON.parse((await infer('face', file, '--model', 'full', '--json')).stdout) as Entry[];
    const accurate = JSON.parse((await infer('face', file, '--accurate', '--json')).stdout) as Entry[];
    const truth = mosaic.faces as Box[];
    const singleHits = matched(single[0].faces, truth);
    const accurateHits = matched(accurate[0].faces, truth);
    expect(accurateHits).toBeGreaterThan(singleHits);
    expect(accurateHits).toBeGreaterThanOrEqual(12);
    expect(accurate[0].faces.length - accurateHits).toBeLessThanOrEqual(1); // at most one false positive
    // …and on the single portrait it adds no false positive.
    const portrait = JSON.parse((await infer('face', ASTRONAUT, '--accurate', '--json')).stdout) as Entry[];
    expect(portrait[0].faces).toHaveLength(1);
  });

  it('reports a bad file on stderr with a non-zero exit, and still prints the good ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-'));
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    writeFileSync(join(dir, 'broken.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]));
    const { code, stdout, stderr } = await infer('face', join(dir, 'notes.txt'), join(dir, 'broken.png'), ASTRONAUT, '--json');
    expect(code).toBe(1);
    expect((JSON.parse(stdout) as Entry[]).map((e) => e.file)).toEqual([ASTRONAUT]);
    expect(stderr).toContain('notes.txt: That file is not an image Loupe can read.');
    expect(stderr).toContain('broken.png: That image could not be decoded');
  });

  it('rejects bad arguments with usage and exit code 2', async () => {
    expect((await infer('face')).code).toBe(2);
    const bad = await infer('face', ASTRONAUT, '--model', 'huge');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--model must be "short" or "full"');
    expect((await infer('sing', 'hello')).stderr).toContain('unknown task "sing"');
    const chat = await infer('chat', 'hello', '--model', 'tiny-random', '--max-tokens', '2', '--json');
    expect(chat.code).toBe(0);
    expect(JSON.parse(chat.stdout)).toMatchObject({ tokens: 2, stopReason: 'max-tokens' });
  });
});
