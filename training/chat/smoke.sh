#!/usr/bin/env bash
# CI smoke test for training/chat (~30 s on 2 CPU cores): unit tests (BPE, model variants, KV cache, export
# signature), then the tiny random model rebuilt into a temporary folder with its onnxruntime-web parity check, and
# its manifest checked against the studio's schema. Exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"          # training/chat
training="$(cd "$here/.." && pwd)"
repo="$(cd "$training/.." && pwd)"
PY=/usr/bin/python3
start=$SECONDS
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
step() { echo "[chat-smoke] $* ($((SECONDS - start)) s)"; }

step "environment"
"$PY" -c "import torch, onnx, jinja2, pytest" || { echo "[chat-smoke] missing Python packages (apt: python3-torch python3-onnx python3-jinja2 python3-pytest)" >&2; exit 1; }
[ -d /usr/share/wordnet ] || { echo "[chat-smoke] /usr/share/wordnet missing (apt: wordnet-base)" >&2; exit 1; }
[ -d "$repo/node_modules/onnxruntime-web" ] || { echo "[chat-smoke] node_modules/onnxruntime-web missing: run npm install" >&2; exit 1; }

cd "$training"
step "unit tests"
"$PY" -m pytest -q -p no:cacheprovider chat/tests
step "tiny random model: BPE, export, parity"
"$PY" -m chat.make_tiny --out "$tmp/tiny-random" 2>&1 | grep -v -i -E "warning|^\s*$"
step "manifest schema"
(cd "$repo" && node_modules/.bin/tsx training/cardiac/check_manifest.ts "$tmp/tiny-random/manifest.json")
echo "[chat-smoke] OK in $((SECONDS - start)) s"
