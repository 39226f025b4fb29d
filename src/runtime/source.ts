// Where a model's files come from — fetched from the app's origin (manifest + Cache Storage), files the user picked,
// or a folder on disk (Node, runtime/node.ts) — behind one interface, with one integrity check and one way to open
// and warm a session. Every task loads through here, in the browser and in the CLI.
import type { ExecutionProvider } from './backend';
import { LoupeError } from '../errors';
import { fetchFile, fetchManifest, sha256Hex, type OnProgress } from './fetchModel';
import { modelFile, type Manifest, type ManifestFile } from './manifest';
import { Model, type ModelOptions } from './session';

/** A model folder, however it is stored: names (paths inside it), sizes when known up front, a reader, its manifest. */
export interface ModelSource {
  /** What progress rows and messages call it. */
  name: string;
  names: string[];
  size(name: string): number | undefined;
  read(name: string): Promise<Uint8Array>;
  manifest?: Manifest;
}

/** `bytes`, read from `where`/`file.path`, are what the manifest lists (size and SHA-256), or MODEL_INTEGRITY. */
export async function checkFile(bytes: Uint8Array, file: ManifestFile, where: string): Promise<Uint8Array> {
  const sha256 = await sha256Hex(bytes);
  if (bytes.byteLength !== file.bytes || sha256 !== file.sha256) {
    throw new LoupeError('MODEL_INTEGRITY', `${where}/${file.path}: ${bytes.byteLength} bytes, SHA-256 ${sha256}; the manifest lists ${file.bytes} bytes, ${file.sha256}. Run \`npm run models\` or re-export it.`);
  }
  return bytes;
}

/** The source with every file its manifest lists checked (bytes, SHA-256) as it is read. */
export function verified(source: ModelSource, manifest: Manifest, where = source.name): ModelSource {
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  return {
    ...source,
    manifest,
    async read(name) {
      const bytes = await source.read(name);
      const file = listed.get(name);
      return file ? checkFile(bytes, file, where) : bytes;
    },
  };
}

/** A model shipped with Loupe: its manifest, then each file cache-first with progress (size and SHA-256 checked there). */
export async function fetchedSource(task: string, id: string, onProgress?: OnProgress, signal?: AbortSignal): Promise<ModelSource> {
  const { manifest, baseUrl } = await fetchManifest(task, id, signal);
  const files = new Map(manifest.files.map((f) => [f.path, f]));
  return {
    name: manifest.name,
    names: [...files.keys()],
    size: (name) => files.get(name)?.bytes,
    manifest,
    read: (name) => {
      const f = files.get(name);
      if (!f) throw new LoupeError('MODEL_FETCH_FAILED', `${manifest.name}: ${name} is not in its manifest`);
      // A one-file model is a row named after the model in the progress list; a folder of files has a row per file.
      const label = files.size === 1 ? manifest.name : `${manifest.name}: ${name}`;
      return fetchFile(label, { url: baseUrl + name, bytes: f.bytes, sha256: f.sha256 }, onProgress, signal);
    },
  };
}

/** Files the user chose or dropped (a folder keeps its relative paths), read with progress rows. */
export function pickedSource(files: File[], name: string, onProgress?: OnProgress, manifest?: Manifest): ModelSource {
  const byName = new Map(files.map((f) => [f.webkitRelativePath || f.name, f]));
  return {
    name,
    names: [...byName.keys()],
    size: (n) => byName.get(n)?.size,
    manifest,
    read: async (n) => {
      const file = byName.get(n);
      if (!file) throw new LoupeError('MODEL_FETCH_FAILED', `${name}: ${n} is not among the chosen files`);
      onProgress?.({ status: 'download', file: `${name}: ${n}`, loaded: 0, total: file.size });
      try {
        return new Uint8Array(await file.arrayBuffer());
      } finally {
        onProgress?.({ status: 'ready', file: `${name}: ${n}` });
      }
    },
  };
}

/** A one-file model (its manifest's `model` file): a session on `ep`, warmed up (WebGPU kernels that fail, fail here). */
export async function openModel(source: ModelSource, ep: ExecutionProvider, onProgress?: OnProgress, options?: ModelOptions): Promise<Model> {
  const manifest = source.manifest;
  if (!manifest) throw new LoupeError('MANIFEST_INVALID', `${source.name}: no manifest.json`);
  const bytes = await source.read(modelFile(manifest).path);
  const model = await Model.create(manifest, bytes, ep, options);
  onProgress?.({ status: 'warmup', file: manifest.name });
  try {
    return await model.warmedUp();
  } finally {
    onProgress?.({ status: 'ready', file: manifest.name });
  }
}
