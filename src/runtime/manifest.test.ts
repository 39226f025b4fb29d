import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLexiconManifest } from '../tasks/chat/retrieval';
import { parseManifest } from './manifest';

const MODELS = join(import.meta.dirname, '..', '..', 'public', 'models');
const allPaths = readdirSync(MODELS).flatMap((task) => readdirSync(join(MODELS, task)).map((id) => join(MODELS, task, id, 'manifest.json')));
const folderOf = (path: string) => path.split('/').slice(-3, -1).join('/');
/** Reference assets a model's `retrieval` names (the WordNet lexicon) have their own manifest, not a model's. */
const referenced = new Set(
  allPaths.flatMap((p) => {
    const json = JSON.parse(readFileSync(p, 'utf8'));
    return json.retrieval?.lexicon ? [json.retrieval.lexicon as string] : [];
  }),
);
const manifestPaths = allPaths.filter((p) => !referenced.has(folderOf(p)));

describe('shipped model manifests', () => {
  it('include both BlazeFace models', () => {
    expect(manifestPaths.map((p) => p.split('/').slice(-3, -1).join('/'))).toEqual(expect.arrayContaining(['face/blazeface-full', 'face/blazeface-short']));
  });
  for (const path of manifestPaths) {
    it(`${folderOf(path)}: valid, and every file matches its bytes and SHA-256`, () => {
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

describe('retrieval assets', () => {
  it('the dictionary model declares the WordNet lexicon, and the lexicon folder checks out', () => {
    const dssn = parseManifest(JSON.parse(readFileSync(join(MODELS, 'chat', 'wordnet-dssn', 'manifest.json'), 'utf8')), 'wordnet-dssn');
    expect(dssn.retrieval).toEqual({ lexicon: 'chat/lexicon', use: 'verify' });
    expect([...referenced]).toEqual(['chat/lexicon']);
    for (const folder of referenced) {
      const dir = join(MODELS, ...folder.split('/'));
      const manifest = parseLexiconManifest(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')), folder);
      for (const f of manifest.files) {
        expect(statSync(join(dir, f.path)).size).toBe(f.bytes);
        expect(createHash('sha256').update(readFileSync(join(dir, f.path))).digest('hex')).toBe(f.sha256);
      }
      expect(readFileSync(join(dir, manifest.licence.file!), 'utf8')).toContain('WordNet');
    }
  });

  it('retrieval is optional, and checked when present', () => {
    const tiny = JSON.parse(readFileSync(join(MODELS, 'chat', 'tiny-random', 'manifest.json'), 'utf8'));
    expect(parseManifest(tiny, 'tiny').retrieval).toBeUndefined();
    expect(parseManifest({ ...tiny, retrieval: { lexicon: 'chat/lexicon', use: 'verify' } }, 'm.json').retrieval?.lexicon).toBe('chat/lexicon');
    expect(() => parseManifest({ ...tiny, retrieval: { lexicon: '../secret', use: 'verify' } }, 'm.json')).toThrow(/retrieval\.lexicon: a folder under public\/models/);
    expect(() => parseManifest({ ...tiny, retrieval: { lexicon: 'chat/lexicon', use: 'prompt' } }, 'm.json')).toThrow(/retrieval\.use/);
  });
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
