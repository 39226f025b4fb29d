#!/usr/bin/env bash
# DF-Net and the same-size U-Net trained side by side on one CUDA GPU (used once, on a lent H200; the CPU path is the
# same code without --device/--workers). Renders the phantom slice cache with the machine's cores, then trains
# both in lock-step (the U-Net never ahead of DF-Net: equal iterations) for BUDGET minutes of DF-Net wall time.
#   training/mri/gpu_run.sh OUT [BUDGET_MINUTES] [RENDER_PROCESSES]
# Writes OUT/mri.tar.gz: results/{dfnet,unet}_gpu.npz (checkpoints, float16, see to_npz.py) and the training logs.
set -euo pipefail
source "$(dirname "$0")/../common/gpu_lib.sh"     # out, procs, PY, device, work, start; cwd training/
budget="${2:-5}"
subjects=1600; val=64
[ -n "${DRY:-}" ] && { subjects=4; val=8; }    # DRY=1: toy sizes on the CPU (checks this script before a GPU call)
"$PY" -m mri.cache --subjects "$subjects" --per-subject 4 --processes "$procs" --out "$work/cache/train.npz"
"$PY" -c "from mri.train import validation_set; from pathlib import Path; validation_set($val, Path('$work/cache/val$val.npz'))"
echo "[mri-gpu] caches in $((SECONDS - start)) s"
common=(--cache "$work/cache/train.npz" --iters 1000000 --batch 16 --lr 1e-3 --log-every 20 --val-every 400 --val-size "$val"
        --device "$device" --workers 3 --runs "$work/runs" --results "$work/results")
mkdir -p "$work/results"
"$PY" -m mri.train --arch dfnet --name dfnet_gpu --max-minutes "$budget" "${common[@]}" > "$work/results/dfnet_gpu.out" 2>&1 &
lead=$!
sleep 3
"$PY" -m mri.train --arch unet --name unet_gpu --follow "$work/results/dfnet_gpu_log.jsonl" "${common[@]}" \
  > "$work/results/unet_gpu.out" 2>&1 &
follow=$!
wait $lead || echo "[mri-gpu] dfnet failed"
wait $follow || echo "[mri-gpu] unet failed"
tail -n 3 "$work/results/dfnet_gpu.out" "$work/results/unet_gpu.out"
for m in dfnet unet; do "$PY" to_npz.py --half "$work/runs/${m}_gpu.pt" "$work/results/${m}_gpu.npz" || echo "[mri-gpu] no $m checkpoint"; done
tar -czf "$out/mri.tar.gz" -C "$work" results
echo "[mri-gpu] done in $((SECONDS - start)) s"
