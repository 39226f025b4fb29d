#!/usr/bin/env bash
# CI smoke test for training/mri (< 3 minutes on 2 CPU cores): environment check, unit tests, a few training steps
# of DF-Net and the U-Net on tiny phantoms, ONNX export to a temporary folder with onnxruntime-web parity in Node and
# the manifest checked against the studio's zod schema. Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/../common/smoke_lib.sh" mri

step "unit tests"
"$PY" -m pytest -q -p no:cacheprovider mri/tests
step "tiny phantom cache"
"$PY" -m mri.cache --subjects 6 --per-subject 2 --processes 2 --out "$tmp/cache/train.npz"
step "training steps: DF-Net"
"$PY" -m mri.train --arch dfnet --cache "$tmp/cache/train.npz" --name smoke_dfnet --iters 6 --batch 4 --base 8 \
  --log-every 3 --val-every 6 --val-size 4 --runs "$tmp/runs" --results "$tmp/results"
step "training steps: U-Net"
"$PY" -m mri.train --arch unet --cache "$tmp/cache/train.npz" --name smoke_unet --iters 3 --batch 4 --base 8 \
  --log-every 3 --val-every 3 --val-size 4 --runs "$tmp/runs" --results "$tmp/results"
step "domain randomisation: DR cache + training steps"
"$PY" -m mri.cache --dr --subjects 3 --per-subject 2 --out "$tmp/cache/dr.npz"
"$PY" -m mri.train --arch dfnet --cache "$tmp/cache/dr.npz" --name smoke_dr --iters 3 --batch 4 --base 8 \
  --log-every 3 --val-every 3 --val-size 4 --runs "$tmp/runs" --results "$tmp/results"
step "export + onnxruntime-web parity + manifest schema"
"$PY" -m mri.export --checkpoint "$tmp/runs/smoke_dfnet.pt" --out "$tmp/model" --no-card \
  --export-json "$tmp/export.json" 2>&1 | grep -v -i "warning" || fail "export failed"
[ -f "$tmp/model/manifest.json" ] || fail "no manifest written"
ok
