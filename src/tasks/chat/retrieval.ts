// The reference lexicon a chat model's manifest names under `retrieval` (public/models/<lexicon>/): its manifest, then
// the lexicon file, checked (bytes, SHA-256) and cached like model files; parsed once and kept by the caller.
import { z } from 'zod';
import { LoupeError } from '../../errors';
import { appUrl, fetchFile, fetchManifestJson, type OnProgress } from '../../runtime/fetchModel';
import { ManifestFilesSchema, parseWith, type Manifest } from '../../runtime/manifest';
import { checkFile } from '../../runtime/source';
import { parseLexicon, type Lexicon } from './core/lexicon';

export type Retrieval = NonNullable<Manifest['retrieval']>;

/** A lexicon folder's manifest.json: its files (as a model folder lists them), licence and provenance. */
export const LexiconManifestSchema = z.object({
  files: ManifestFilesSchema,
  licence: z.object({ spdx: z.string(), file: z.string().optional() }),
  source: z.record(z.string(), z.string()),
});

export type LexiconManifest = z.infer<typeof LexiconManifestSchema>;

export function parseLexiconManifest(json: unknown, where: string): LexiconManifest {
  const manifest = parseWith(LexiconManifestSchema, json, where);
  if (!manifest.files.some((f) => f.role === 'lexicon')) throw new LoupeError('MANIFEST_INVALID', `${where}: no file with role "lexicon"`);
  return manifest;
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
  return parseLexicon(await checkFile(await read(file.path), file, where));
}

/** In the browser: the manifest no-cache (the cached copy when offline), the lexicon file cache-first with progress. */
export async function fetchLexicon(retrieval: Retrieval, onProgress?: OnProgress, signal?: AbortSignal): Promise<Lexicon> {
  const url = appUrl(`models/${retrieval.lexicon}/manifest.json`);
  const file = lexiconFile(await fetchManifestJson(url, parseLexiconManifest, signal));
  const bytes = await fetchFile(`WordNet 3.0 lexicon: ${file.path}`, { url: url.replace(/manifest\.json$/, '') + file.path, bytes: file.bytes, sha256: file.sha256 }, onProgress, signal);
  return parseLexicon(bytes);
}
