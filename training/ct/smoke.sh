#!/usr/bin/env bash
# CI smoke test for training/ct (< 3 minutes on 2 CPU cores): environment check, unit tests, tiny simulated sites,
# one federated round (plus the local-only baselines) at 16x16 in-plane, ONNX export to a temporary folder,
# onnxruntime-web parity in Node at the contract size, manifest schema + CT contract check. Exits non-zero on any
# failure.
set -euo pipefail
source "$(dirname "$0")/../common/smoke_lib.sh" ct

step "unit tests"
"$PY" -m pytest -q -p no:cacheprovider ct/tests
step "tiny sites"
"$PY" -m ct.sites --out "$tmp/cache" --scale 0.05 --render-size 64 --processes 2
step "one federated round + local baselines"
"$PY" -m ct.federated --cache "$tmp/cache" --rounds 1 --local-epochs 1 --sizes 16 --batch 2 --local-baselines --secure-rounds 0 \
  --eval-contract none --runs "$tmp/runs" --results "$tmp/results" --name smoke
[ -f "$tmp/results/smoke_auc_vs_communication.png" ] || fail "no communication plot"
step "export + onnxruntime-web parity + manifest schema"
"$PY" -m ct.export --checkpoint "$tmp/runs/smoke.pt" --out "$tmp/model" --no-card --cases phantom \
  2>&1 | grep -v -i -E "warning|_C\._jit|^\s*$|= F.interpolate" || fail "export failed"
[ -f "$tmp/model/manifest.json" ] || fail "no manifest written"
ok
