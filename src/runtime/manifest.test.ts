import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from './manifest';

const MODELS = join(import.meta.dirname, '..', '..', 'public', 'models');
const manifestPaths = readdirSync(MODELS).flatMap((task) => readdirSync(join(MODELS, task)).map((id) => join(MODELS, task, id, 'manifest.json')));

describe('shipped model manifests', () => {
  it('include both BlazeFace models', () => {
    expect(manifestPaths.map((p) => p.split('/').slice(-3, -1).join('/'))).toEqual(expect.arrayContaining(['face/blazeface-full', 'face/blazeface-short']));
  });
  for (const path of manifestPaths) {
    it(`${path.split('/').slice(-3, -1).join('/')}: valid, and every file matches its bytes and SHA-256`, () => {
      const manifest = parseManifest(JSON.parse(readFileSync(path, 'utf8')), path);
      const dir = join(path, '..');
      for (const f of manifest.files) {
        expect(statSync(join(dir, f.path)).size).toBe(f.bytes);
        expect(createHash('sha256').update(readFileSync(join(dir, f.path))).digest('hex')).toBe(f.sha256);
      }
      // Third-party models ship their licence file; the project's own models are under the repository's LICENSE.
      expect(readFileSync(manifest.licence.file ? join(dir, manifest.licence.file) : join(MODELS, '..', '..', 'LICENSE'), 'utf8')).toContain('Apache License');
      expect(readFileSync(join(dir, 'MODEL_CARD.md'), 'utf8')).toContain(manifest.name);
    });
  }
});

describe('parseManifest', () => {
  const valid = JSON.parse(readFileSync(manifestPaths[0], 'utf8'));
  it('names every problem with its path', () => {
    const broken = { ...valid, files: [{ path: '../secret', role: 'model', bytes: -1, sha256: 'xyz' }], licence: undefined };
    expect(() => parseManifest(broken, 'm.json')).toThrow(/m\.json: files\.0\.path: must stay inside the model folder; files\.0\.bytes: .*; files\.0\.sha256: .*; licence: /);
    try {
      parseManifest({}, 'm.json');
    } catch (error) {
      expect((error as Error).name).toBe('MANIFEST_INVALID');
    }
  });
});
