// Checks a trained tokenizer.json with @huggingface/tokenizers (what the studio uses) against Python's ids:
//   node training/chat/check_tokenizer.mjs training/chat/data
// reads <dir>/tokenizer.json and <dir>/tokenizer_check.json ({text, ids} written by chat/corpus.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

const dir = process.argv[2] ?? 'training/chat/data';
const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
const check = JSON.parse(readFileSync(join(dir, 'tokenizer_check.json'), 'utf8'));
const tok = new Tokenizer(json, { bos_token: '<|endoftext|>', eos_token: '<|end|>' });
const ids = tok.encode(check.text, { add_special_tokens: false }).ids;
const same = ids.length === check.ids.length && ids.every((v, i) => v === check.ids[i]);
if (!same) {
  const i = ids.findIndex((v, k) => v !== check.ids[k]);
  console.error(`[check_tokenizer] MISMATCH at ${i}: js ${ids.slice(i, i + 8)} vs py ${check.ids.slice(i, i + 8)}`);
  process.exit(1);
}
const back = tok.decode(ids, { skip_special_tokens: false });
if (back !== check.text) {
  console.error('[check_tokenizer] decode does not round-trip');
  process.exit(1);
}
console.log(`[check_tokenizer] OK: ${ids.length} ids identical, decode round-trips (${json.model.merges.length} merges)`);
