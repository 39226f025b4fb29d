import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readLexicon } from './retrieval';

const DIR = fileURLToPath(new URL('../../../public/models/chat/lexicon/', import.meta.url));
const disk = (path: string) => readFile(DIR + path).then((b) => new Uint8Array(b));

describe('readLexicon (the shipped lexicon folder, as the CLI reads it)', () => {
  it('reads the lexicon its manifest lists, size and SHA-256 checked', async () => {
    const lex = await readLexicon(disk, 'lexicon');
    expect(Object.keys(lex.lemmas).length).toBe(147_306);
  });

  it('refuses a changed file, and a manifest without a lexicon file', async () => {
    const tampered = async (path: string) => {
      const bytes = await disk(path);
      if (path === 'lexicon.bin') bytes[bytes.length - 1] ^= 1;
      return bytes;
    };
    await expect(readLexicon(tampered, 'lexicon')).rejects.toMatchObject({ code: 'MODEL_INTEGRITY', message: expect.stringMatching(/^lexicon\/lexicon\.bin: 5916656 bytes, SHA-256 [0-9a-f]{64}; the manifest lists 5916656 bytes, b723e8db/) });
    const noLexicon = async (path: string) => {
      if (path !== 'manifest.json') return disk(path);
      const m = JSON.parse(new TextDecoder().decode(await disk(path)));
      m.files = m.files.filter((f: { role: string }) => f.role !== 'lexicon');
      return new TextEncoder().encode(JSON.stringify(m));
    };
    await expect(readLexicon(noLexicon, 'lexicon')).rejects.toMatchObject({ code: 'MANIFEST_INVALID', message: 'lexicon/manifest.json: no file with role "lexicon"' });
  });
});
