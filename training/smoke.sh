#!/usr/bin/env bash
# CI smoke test for training/ (< 3 minutes on 2 CPU cores): environment check, unit tests, a few training
# steps of DF-Net and the U-Net on tiny phantoms, ONNX export to a temporary folder, onnxruntime-web parity in
# Node, manifest validation against the studio's zod schema. Exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
PY=/usr/bin/python3
start=$SECONDS
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
step() { echo "[smoke] $* ($((SECONDS - start)) s)"; }

step "environment"
"$here/setup.sh" --check
[ -d "$repo/node_modules/onnxruntime-web" ] || { echo "[smoke] node_modules/onnxruntime-web missing: run npm install" >&2; exit 1; }

step "unit tests"
(cd "$here" && "$PY" -m pytest -q -p no:cacheprovider tests)

cd "$here"
step "tiny phantom cache"
"$PY" -m cardiac.cache --subjects 6 --per-subject 2 --processes 2 --out "$tmp/cache/train.npz"
step "training steps: DF-Net"
"$PY" -m cardiac.train --arch dfnet --cache "$tmp/cache/train.npz" --name smoke_dfnet --iters 6 --batch 4 --base 8 \
  --log-every 3 --val-every 6 --val-size 4 --runs "$tmp/runs" --results "$tmp/results"
step "training steps: U-Net"
"$PY" -m cardiac.train --arch unet --cache "$tmp/cache/train.npz" --name smoke_unet --iters 3 --batch 4 --base 8 \
  --log-every 3 --val-every 3 --val-size 4 --runs "$tmp/runs" --results "$tmp/results"
step "export + onnxruntime-web parity"
"$PY" -m cardiac.export --checkpoint "$tmp/runs/smoke_dfnet.pt" --out "$tmp/model" --no-card \
  --export-json "$tmp/export.json" 2>&1 | grep -v -i "warning" || { echo "[smoke] export failed" >&2; exit 1; }
[ -f "$tmp/model/manifest.json" ] || { echo "[smoke] no manifest written" >&2; exit 1; }
step "manifest schema"
(cd "$repo" && node_modules/.bin/tsx training/cardiac/check_manifest.ts "$tmp/model/manifest.json")
echo "[smoke] OK in $((SECONDS - start)) s"
