#!/usr/bin/env bash
# The CT model's full training run on a CUDA machine (used once, on a lent H200; the CPU path is the same code with
# --device cpu). Renders the simulated sites at 3x their CPU sizes, then FedAvg over sites A-D vs local-only models
# at the contract size 16x128x128, evaluated on every internal test set and the held-out site E.
#   training/ct/gpu_run.sh OUT [BUDGET_MINUTES]     (run from anywhere; python3 must have torch with CUDA)
# Writes OUT/ct.tar.gz: runs/fedavg.pt (+ .npz of the same weights), results/fedavg.{json,log}, the AUC plot.
set -euo pipefail
out="$(mkdir -p "$1" && cd "$1" && pwd)"
budget="${2:-6}"
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."                                   # training/
PY="${PY:-python3}"
work="$(mktemp -d)"
start=$SECONDS
echo "[ct-gpu] rendering sites ($(nproc) cores)"
"$PY" -m ct.sites --out "$work/cache" --scale 3 --processes "$(( $(nproc) > 4 ? $(nproc) - 3 : 2 ))"
echo "[ct-gpu] sites rendered in $((SECONDS - start)) s; federated training, budget ${budget} min"
"$PY" -m ct.federated --cache "$work/cache" --rounds 16 --local-epochs 1 --sizes 128 --batch 4 --lr 2e-3 \
  --dropblock 0.05 --aux 1.0 --bn-refresh 8 --local-baselines --eval-contract fed --contract-sites E \
  --final-samplings all --contract-samplings all --budget-minutes "$budget" --final-eval-minutes 1 \
  --threads 4 --device cuda --runs "$work/runs" --results "$work/results" --name fedavg
"$PY" - "$work/runs/fedavg.pt" <<'EOF'
import sys, numpy as np, torch
ck = torch.load(sys.argv[1], map_location="cpu")
np.savez(sys.argv[1][:-3] + ".npz", **{k: v.numpy() for k, v in ck["state_dict"].items()})
EOF
tar -czf "$out/ct.tar.gz" -C "$work" runs/fedavg.pt runs/fedavg.npz results
echo "[ct-gpu] done in $((SECONDS - start)) s"
