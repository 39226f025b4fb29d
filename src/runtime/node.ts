// Runtime for Node (the `npm run infer` CLI): the same sessions, reading models from public/models on disk.
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { LoupeError } from '../errors';
import { parseManifest } from './manifest';
import { configureWasm, type Model } from './session';
import { openModel, verified, type ModelSource } from './source';

export const MODELS_DIR = join(import.meta.dirname, '..', '..', 'public', 'models');

let configured = false;

/** ONNX Runtime's WASM setup for Node (onnxruntime-web's Node build, 1 thread), done once before the first session. */
export async function configureNodeRuntime(): Promise<void> {
  if (configured) return;
  configureWasm(await import('onnxruntime-web'), { threads: 1 });
  configured = true;
}

/**
 * A model folder on disk as a source (paths relative to it, sub-folders included). With a manifest.json, every file
 * it lists is checked (bytes, SHA-256) as it is read, the same check as in the browser.
 */
export async function diskSource(dir: string): Promise<ModelSource> {
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
  const source: ModelSource = { name: dir, names: [...sizes.keys()].sort(), size: (name) => sizes.get(name), read: async (name) => new Uint8Array(await readFile(join(dir, name))) };
  if (!sizes.has('manifest.json')) return source;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  } catch (error) {
    throw new LoupeError('MANIFEST_INVALID', `${join(dir, 'manifest.json')}: ${(error as Error).message}`);
  }
  return verified(source, parseManifest(json, join(dir, 'manifest.json')), dir);
}

const loaded = new Map<string, Promise<Model>>();

/** public/models/<task>/<id>, or the model whose manifest is at `manifestPath`: checked, created on WASM, once per process. */
export function loadModelFromDisk(task: string, id: string, manifestPath = join(MODELS_DIR, task, id, 'manifest.json')): Promise<Model> {
  let model = loaded.get(manifestPath);
  if (!model) {
    model = configureNodeRuntime().then(() => diskSource(dirname(manifestPath))).then((source) => {
      if (!source.manifest) throw new LoupeError('MODEL_FETCH_FAILED', `${manifestPath}: no such file`);
      return openModel(source, 'wasm');
    });
    model.catch(() => loaded.delete(manifestPath));
    loaded.set(manifestPath, model);
  }
  return model;
}
