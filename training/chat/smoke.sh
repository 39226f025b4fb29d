#!/usr/bin/env bash
# CI smoke test for training/chat (~45 s on 2 CPU cores): unit tests (BPE, model variants, KV cache, export
# signature), then the tiny random model rebuilt into a temporary folder with its onnxruntime-web parity check, and
# its manifest checked against the studio's schema; then the grounded pipeline end to end on a few hundred
# conversations. Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/../common/smoke_lib.sh" chat

step "unit tests"
"$PY" -m pytest -q -p no:cacheprovider chat/tests
step "tiny random model: BPE, export, parity"
"$PY" -m chat.make_tiny --out "$tmp/tiny-random" 2>&1 | grep -v -i -E "warning|^\s*$"
step "manifest schema"
(cd "$repo" && node_modules/.bin/tsx training/common/check_manifest.ts "$tmp/tiny-random/manifest.json")
step "grounded pipeline: corpus (the studio's lookup), tokenizer, 3 training steps, the six measures, ship + parity"
(cd "$repo" && node_modules/.bin/tsx training/chat/grounded_corpus.ts --out "$tmp/grounded" --train 300 --heldout 40 --eval 8 >/dev/null)
"$PY" -m chat.grounded_data --data "$tmp/grounded" --vocab 600 --bpe-sample 300 >/dev/null
"$PY" -m chat.train --data "$tmp/grounded" --out "$tmp/grounded-run" --hidden 32 --layers 2 --heads 2 --kv-heads 1 --ffn 64 \
  --seq 128 --batch 2 --steps 3 --eval-every 0 --quiet
"$PY" -m chat.evaluate --grounded --ckpt "$tmp/grounded-run/model.pt" --data "$tmp/grounded" --max-new 4 >/dev/null
"$PY" -m chat.ship_grounded --run "$tmp/grounded-run" --data "$tmp/grounded" --out "$tmp/wordnet-grounded" \
  --results "$tmp/grounded-results" 2>&1 | grep -E "parity|wrote"
(cd "$repo" && node_modules/.bin/tsx training/common/check_manifest.ts "$tmp/wordnet-grounded/manifest.json")
ok
