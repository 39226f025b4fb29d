// Runtime for Node (the `npm run infer` CLI): the same sessions, reading models from public/models on disk.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LoupeError } from './errors';
import { modelFile, parseManifest } from './manifest';
import { Model, configureWasm } from './session';

export const MODELS_DIR = join(import.meta.dirname, '..', '..', 'public', 'models');

let configured = false;

/** Loads public/models/<task>/<id>, or the model whose manifest is at `manifestPath`, checking size and SHA-256. */
export async function loadModelFromDisk(task: string, id: string, manifestPath = join(MODELS_DIR, task, id, 'manifest.json')): Promise<Model> {
  const dir = dirname(manifestPath);
  if (!configured) {
    configureWasm({ threads: 1 });
    configured = true;
  }
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
