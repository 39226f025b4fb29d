#!/usr/bin/env bash
# The DF-Net vs plain U-Net ablation of the domain-randomisation round, on the CPU (one torch thread, niced).
# The U-Net starts from v1's weights (its backbone, and its auxiliary head as the classifier: dfnet.unet_from_dfnet),
# trains on the same DR cache with the same seeds, batch and learning rates as the DF-Net DR run, in lock-step with
# that run's log (results/dfnet_dr_log.jsonl: same iterations, same learning rate at each), gets the same Sunnybrook
# LV fine-tuning, and is evaluated on the same held-out phantoms, independent-generator subjects and Sunnybrook
# slices as results/dr/compare.json (evaluate.py is deterministic; v1 is evaluated again alongside as the check).
#   bash training/mri/ablation_dr.sh
# Writes mri/runs/unet_dr/{unet_dr,unet_dr_ft}.pt, mri/results/ablation/{unet_dr_log.jsonl,unet_dr_ft_log.jsonl,
#   finetune.json,compare.json,compare.out}.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
heldout="${HELDOUT:-12}"; independent="${INDEPENDENT:-16}"; ft_iters="${FT_ITERS:-800}"
runs=mri/runs/unet_dr
out=mri/results/ablation
mkdir -p "$runs" mri/cache "$out"
[ -f mri/runs/shipped_v1.pt ] || nice -n 10 "$PY" -m mri.from_onnx --out mri/runs/shipped_v1.pt
[ -f mri/cache/dr.npz ] || nice -n 10 "$PY" -m mri.cache --dr --subjects 400 --per-subject 4 --processes 1 --out mri/cache/dr.npz
if [ -f "$runs/unet_dr.pt" ] && grep -q '"done"' "$out/unet_dr_log.jsonl" 2>/dev/null; then
  echo "[ablation] 1/3 U-Net DR training: done before ($runs/unet_dr.pt), skipped"
else
  echo "[ablation] 1/3 U-Net DR training in lock-step with dfnet_dr $(date)"
  nice -n 10 "$PY" -m mri.train --arch unet --cache mri/cache/dr.npz --name unet_dr --init mri/runs/shipped_v1.pt \
    --follow mri/results/dfnet_dr_log.jsonl --iters 100000 --batch 8 --lr 1e-4 --p-synth 0.5 --log-every 20 \
    --val-every 200 --val-size 64 --threads 1 --runs "$runs" --results "$out"
fi
echo "[ablation] 2/3 Sunnybrook LV fine-tuning ($ft_iters iterations) $(date)"
nice -n 10 "$PY" -m mri.finetune --checkpoint "$runs/unet_dr.pt" --cache mri/cache/dr.npz --name unet_dr_ft \
  --iters "$ft_iters" --runs "$runs" --results "$out"
echo "[ablation] 3/3 lock-step evaluation $(date)"
nice -n 10 "$PY" -m mri.evaluate --threads 1 --heldout "$heldout" --independent "$independent" \
  --model v1=mri/runs/shipped_v1.pt --model unet_dr="$runs/unet_dr.pt" --model unet_dr_ft="$runs/unet_dr_ft.pt" \
  --out "$out/compare.json" > "$out/compare.out"
echo "[ablation] done $(date)"
