// Validates a chest-CT manifest.json against the studio's own zod schema (src/runtime/manifest.ts) and the CT
// contract (task "ct", input "volume" [batch,1,16,128,128] NCDHW, outputs logits + cam, four labels).
// Usage: node_modules/.bin/tsx training/ct/check_manifest.ts public/models/ct/ucadi-densenet/manifest.json
import { readFileSync } from 'node:fs';
import { parseManifest } from '../../src/runtime/manifest';

const file = process.argv[2];
const m = parseManifest(JSON.parse(readFileSync(file, 'utf8')), file);
const problems: string[] = [];
const input = m.inputs[0];
if (m.task !== 'ct') problems.push(`task ${m.task}`);
if (input.name !== 'volume' || input.layout !== 'NCDHW' || input.shape.join() !== 'batch,1,16,128,128') problems.push(`input ${JSON.stringify(input)}`);
if (m.outputs.map((o) => o.name).join() !== 'logits,cam') problems.push(`outputs ${m.outputs.map((o) => o.name)}`);
if (m.labels.join() !== 'healthy,covid19,viral,bacterial') problems.push(`labels ${m.labels}`);
if (problems.length) {
  console.error(`manifest ${file}: ${problems.join('; ')}`);
  process.exit(1);
}
console.log(`manifest OK: ${m.id} (${m.task}), ${m.files.length} file(s), labels ${m.labels.join(', ')}`);
