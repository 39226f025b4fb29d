#!/usr/bin/env bash
# The CT model's full training run on a CUDA machine (used once, on a lent H200; the CPU path is the same code with
# --device cpu). Renders the simulated sites at 3x their CPU sizes, then FedAvg over sites A-D vs local-only models
# at the contract size 16x128x128, evaluated on every internal test set and the held-out site E.
#   training/ct/gpu_run.sh OUT [BUDGET_MINUTES] [RENDER_PROCESSES]     (run from anywhere; python3 must have torch with CUDA)
# Writes OUT/ct.tar.gz: runs/fedavg.npz (the checkpoint, see to_npz.py), results/fedavg.{json,log}, the AUC plot.
set -euo pipefail
source "$(dirname "$0")/../common/gpu_lib.sh"     # out, procs, PY, device, work, start; cwd training/
budget="${2:-6}"
# DRY=1: the same plumbing at toy sizes on the CPU (checks this script before a GPU call)
if [ -n "${DRY:-}" ]; then scale=0.05; extra=(--render-size 64); size=16; rounds=1; else scale=3; extra=(); size=128; rounds=16; fi
echo "[ct-gpu] rendering sites ($procs processes)"
"$PY" -m ct.sites --out "$work/cache" --scale "$scale" --processes "$procs" "${extra[@]}"
echo "[ct-gpu] sites rendered in $((SECONDS - start)) s; federated training, budget ${budget} min"
"$PY" -m ct.federated --cache "$work/cache" --rounds "$rounds" --local-epochs 1 --sizes "$size" --batch 4 --lr 2e-3 \
  --dropblock 0.05 --aux 1.0 --bn-refresh 8 --local-baselines --eval-contract fed --contract-sites E \
  --final-samplings all --contract-samplings all --budget-minutes "$budget" --final-eval-minutes 1 \
  --threads 2 --device "$device" --runs "$work/runs" --results "$work/results" --name fedavg
"$PY" to_npz.py "$work/runs/fedavg.pt" "$work/runs/fedavg.npz"
tar -czf "$out/ct.tar.gz" -C "$work" runs/fedavg.npz results
echo "[ct-gpu] done in $((SECONDS - start)) s"
