// The reference lexicon a chat model's manifest names under `retrieval` (public/models/<lexicon>/): its manifest, then
// the lexicon file, checked (bytes, SHA-256) and cached like model files; parsed once and kept by the caller.
import { z } from 'zod';
import { LoupeError } from '../../errors';
import { appUrl, fetchFile, fetchManifestJson, sha256Hex, type OnProgress } from '../../runtime/fetchModel';
import type { Manifest } from '../../runtime/manifest';
import { parseLexicon, type Lexicon } from './core/lexicon';

export type Retrieval = NonNullable<Manifest['retrieval']>;

/** A lexicon folder's manifest.json: its files with sizes and hashes, licence and provenance. */
export const LexiconManifestSchema = z.object({
  files: z
    .array(
      z.object({
        path: z.string().min(1).refine((p) => !p.includes('..') && !p.startsWith('/'), 'must stay inside the lexicon folder'),
        role: z.string().min(1),
        bytes: z.number().int().positive(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      }),
    )
    .min(1),
  licence: z.object({ spdx: z.string(), file: z.string().optional() }),
  source: z.record(z.string(), z.string()),
});

export type LexiconManifest = z.infer<typeof LexiconManifestSchema>;

export function parseLexiconManifest(json: unknown, where: string): LexiconManifest {
  const result = LexiconManifestSchema.safeParse(json);
  if (!result.success) throw new LoupeError('MANIFEST_INVALID', `${where}: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  if (!result.data.files.some((f) => f.role === 'lexicon')) throw new LoupeError('MANIFEST_INVALID', `${where}: no file with role "lexicon"`);
  return result.data;
}

const lexiconFile = (m: LexiconManifest) => m.files.find((f) => f.role === 'lexicon')!;

/** From any reader of the folder (the CLI reads the disk): manifest, then the lexicon file with its size and SHA-256 checked. */
export async function readLexicon(read: (path: string) => Promise<Uint8Array>, where: string): Promise<Lexicon> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(await read('manifest.json')));
  } catch (error) {
    throw new LoupeError('MANIFEST_INVALID', `${where}/manifest.json: ${(error as Error).message}`);
  }
  const file = lexiconFile(parseLexiconManifest(json, `${where}/manifest.json`));
  const bytes = await read(file.path);
  const sha256 = await sha256Hex(bytes);
  if (bytes.byteLength !== file.bytes || sha256 !== file.sha256) {
    throw new LoupeError('MODEL_INTEGRITY', `${where}/${file.path}: ${bytes.byteLength} bytes, SHA-256 ${sha256}; the manifest lists ${file.bytes} bytes, ${file.sha256}.`);
  }
  return parseLexicon(bytes);
}

/** In the browser: the manifest no-cache (the cached copy when offline), the lexicon file cache-first with progress. */
export async function fetchLexicon(retrieval: Retrieval, onProgress?: OnProgress, signal?: AbortSignal): Promise<Lexicon> {
  const url = appUrl(`models/${retrieval.lexicon}/manifest.json`);
  const file = lexiconFile(await fetchManifestJson(url, parseLexiconManifest, signal));
  const bytes = await fetchFile(`WordNet 3.0 lexicon: ${file.path}`, { url: url.replace(/manifest\.json$/, '') + file.path, bytes: file.bytes, sha256: file.sha256 }, onProgress, signal);
  return parseLexicon(bytes);
}
