// Runtime for Node (the `npm run infer` CLI): the same sessions, reading models from public/models on disk.
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { LoupeError } from './errors';
import { modelFile, parseManifest } from './manifest';
import { Model, configureWasm } from './session';

export const MODELS_DIR = join(import.meta.dirname, '..', '..', 'public', 'models');

let configured = false;

/** ONNX Runtime's WASM setup for Node (1 thread), done once before the first session. */
export function configureNodeRuntime(): void {
  if (configured) return;
  configureWasm({ threads: 1 });
  configured = true;
}

/** A model folder on disk as names (paths relative to it, sub-folders included), sizes and a reader. */
export async function readFolderFromDisk(dir: string): Promise<{ names: string[]; size(name: string): number | undefined; read(name: string): Promise<Uint8Array> }> {
  const sizes = new Map<string, number>();
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (error) {
      throw new LoupeError('MODEL_FETCH_FAILED', `${d}: ${(error as Error).message}`);
    }
    for (const e of entries) {
      const path = join(d, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) sizes.set(relative(dir, path).split('\\').join('/'), (await stat(path)).size);
    }
  };
  await walk(dir);
  return { names: [...sizes.keys()].sort(), size: (name) => sizes.get(name), read: async (name) => new Uint8Array(await readFile(join(dir, name))) };
}

/** Loads public/models/<task>/<id>, or the model whose manifest is at `manifestPath`, checking size and SHA-256. */
export async function loadModelFromDisk(task: string, id: string, manifestPath = join(MODELS_DIR, task, id, 'manifest.json')): Promise<Model> {
  const dir = dirname(manifestPath);
  configureNodeRuntime();
  let json: unknown;
  try {
    json = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    throw new LoupeError('MODEL_FETCH_FAILED', `${manifestPath}: ${(error as Error).message}`);
  }
  const manifest = parseManifest(json, manifestPath);
  const file = modelFile(manifest);
  const bytes = new Uint8Array(await readFile(join(dir, file.path)));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (bytes.byteLength !== file.bytes || sha256 !== file.sha256) {
    throw new LoupeError('MODEL_INTEGRITY', `${join(dir, file.path)}: ${bytes.byteLength} bytes, SHA-256 ${sha256}; the manifest lists ${file.bytes} bytes, ${file.sha256}. Run \`npm run models\`.`);
  }
  return Model.create(manifest, bytes, 'wasm');
}
