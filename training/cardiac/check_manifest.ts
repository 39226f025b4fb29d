// Validates a manifest.json against the studio's own zod schema (src/runtime/manifest.ts).
// Usage: node_modules/.bin/tsx training/cardiac/check_manifest.ts public/models/mri/dfnet/manifest.json
import { readFileSync } from 'node:fs';
import { parseManifest } from '../../src/runtime/manifest';

const file = process.argv[2];
const manifest = parseManifest(JSON.parse(readFileSync(file, 'utf8')), file);
console.log(`manifest OK: ${manifest.id} (${manifest.task}), ${manifest.files.length} file(s), labels ${manifest.labels.join(', ')}`);
