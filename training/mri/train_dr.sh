#!/usr/bin/env bash
# The domain-randomisation training run on the CPU (one torch thread, niced): renders the DR cache (phantom slices with
# depth-plane labels, domain_rand.py), then continues training the shipped DF-Net (rebuilt from its model.onnx by
# from_onnx.py) with domain-randomised batches for BUDGET minutes of wall time.
#   bash training/mri/train_dr.sh [NAME] [BUDGET_MINUTES] [SUBJECTS]
# Writes mri/cache/dr.npz, mri/runs/NAME/NAME.pt (every 4 min and at the end), mri/results/NAME_log.jsonl.
# Env: LR (1e-4: a continuation of a converged model), PSYNTH (0.5: fraction of slices drawn from label maps).
# Afterwards: bash training/mri/ship_dr.sh NAME
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
name="${1:-dfnet_dr}"; budget="${2:-40}"; subjects="${3:-400}"
runs="mri/runs/$name"
mkdir -p "$runs" mri/cache
[ -f mri/runs/shipped_v1.pt ] || "$PY" -m mri.from_onnx --out mri/runs/shipped_v1.pt
if [ ! -f mri/cache/dr.npz ]; then
  "$PY" -m mri.cache --dr --subjects "$subjects" --per-subject 4 --processes 1 --out mri/cache/dr.npz
fi
echo "[train_dr] cache ready at $(date)"
"$PY" -m mri.train --arch dfnet --cache mri/cache/dr.npz --name "$name" --init mri/runs/shipped_v1.pt \
  --iters 100000 --max-minutes "$budget" --batch 8 --lr "${LR:-1e-4}" --p-synth "${PSYNTH:-0.5}" --log-every 20 --val-every 200 --val-size 64 \
  --ckpt-minutes 4 --threads 1 --runs "$runs" --results mri/results
echo "[train_dr] done at $(date)"
