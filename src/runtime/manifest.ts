import { z } from 'zod';
import { LoupeError } from '../errors';

/** The files a folder's manifest.json lists (a model's, or an asset's such as the chat lexicon), each with its checks. */
export const ManifestFilesSchema = z
  .array(
    z.object({
      path: z.string().min(1).refine((p) => !p.includes('..') && !p.startsWith('/'), 'must stay inside the model folder'),
      role: z.string().min(1),
      bytes: z.number().int().positive(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  )
  .min(1);

export type ManifestFile = z.infer<typeof ManifestFilesSchema>[number];

/** The schema every `public/models/<task>/<id>/manifest.json` follows. */
export const ManifestSchema = z.object({
  schemaVersion: z.literal(1),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  task: z.enum(['face', 'mri', 'ct', 'chat']),
  name: z.string().min(1),
  files: ManifestFilesSchema,
  inputs: z
    .array(
      z.object({
        name: z.string(),
        dtype: z.enum(['float32', 'float16', 'int64', 'int32', 'uint8']),
        shape: z.array(z.union([z.number().int(), z.string()])),
        layout: z.string(),
        colorOrder: z.string().optional(),
        normalization: z.object({ scale: z.number(), offset: z.number(), range: z.tuple([z.number(), z.number()]).optional() }).optional(),
        resize: z.string().optional(),
      }),
    )
    .min(1),
  outputs: z.array(z.object({ name: z.string(), shape: z.array(z.union([z.number().int(), z.string()])), description: z.string().optional() })).min(1),
  labels: z.array(z.string()),
  /** Image preprocessing a segmentation model was trained with (MRI). */
  preprocess: z.object({ spacingMm: z.number().positive(), cropSize: z.number().int().positive(), normalization: z.string() }).optional(),
  anchors: z.object({ strides: z.array(z.number()), offset: z.number(), fixedSize: z.boolean() }).optional(),
  licence: z.object({ spdx: z.string(), file: z.string().optional() }),
  source: z.record(z.string(), z.string()),
  intendedUse: z.string().min(1),
  /**
   * Chat models: a reference asset the worker checks answers against. `lexicon` is a folder under `public/models/`
   * with its own manifest.json (files with bytes and SHA-256); `verify` = judge each answer against it; `context` =
   * also give the model the entries of the words asked, in the prompt (src/tasks/chat/core/context.ts), and judge.
   */
  retrieval: z
    .object({
      lexicon: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]*(?:\/[a-z0-9][a-z0-9-]*)*$/, 'a folder under public/models/, e.g. "chat/lexicon"'),
      use: z.enum(['verify', 'context']),
    })
    .optional(),
});

export type Manifest = z.infer<typeof ManifestSchema>;

/** `json` checked against `schema`; every issue named with its path in one MANIFEST_INVALID error about `where`. */
export function parseWith<T>(schema: z.ZodType<T>, json: unknown, where: string): T {
  const result = schema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new LoupeError('MANIFEST_INVALID', `${where}: ${issues}`);
  }
  return result.data;
}

export function parseManifest(json: unknown, where: string): Manifest {
  return parseWith(ManifestSchema, json, where);
}

export function modelFile(manifest: Manifest, role = 'model'): Manifest['files'][number] {
  const file = manifest.files.find((f) => f.role === role);
  if (!file) throw new LoupeError('MANIFEST_INVALID', `${manifest.id}: no file with role "${role}"`);
  return file;
}
