#!/usr/bin/env bash
# CI smoke test for training/chat (~30 s on 2 CPU cores): unit tests (BPE, model variants, KV cache, export
# signature), then the tiny random model rebuilt into a temporary folder with its onnxruntime-web parity check, and
# its manifest checked against the studio's schema. Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/../common/smoke_lib.sh" chat

step "unit tests"
"$PY" -m pytest -q -p no:cacheprovider chat/tests
step "tiny random model: BPE, export, parity"
"$PY" -m chat.make_tiny --out "$tmp/tiny-random" 2>&1 | grep -v -i -E "warning|^\s*$"
step "manifest schema"
(cd "$repo" && node_modules/.bin/tsx training/common/check_manifest.ts "$tmp/tiny-random/manifest.json")
ok
