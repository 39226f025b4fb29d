// Validates a manifest.json the way the studio reads it: its zod schema (src/runtime/manifest.ts), then the task's run
// contract where the studio checks one before running a model (CT: checkCtContract, src/tasks/ct/runner.ts). Both
// are imported from src, so training checks exactly what the app will enforce.
// Usage: node_modules/.bin/tsx training/common/check_manifest.ts public/models/ct/ucadi-densenet/manifest.json
import { readFileSync } from 'node:fs';
import { parseManifest, type Manifest } from '../../src/runtime/manifest';
import { checkCtContract } from '../../src/tasks/ct/runner';

const CONTRACTS: Partial<Record<Manifest['task'], (m: Manifest) => unknown>> = { ct: checkCtContract };

const file = process.argv[2];
try {
  const m = parseManifest(JSON.parse(readFileSync(file, 'utf8')), file);
  CONTRACTS[m.task]?.(m);
  console.log(`manifest OK: ${m.id} (${m.task}), ${m.files.length} file(s), labels ${m.labels.join(', ')}`);
} catch (e) {
  console.error(`manifest ${file}: ${e instanceof Error ? `${e.name}: ${e.message}` : e}`);
  process.exit(1);
}
