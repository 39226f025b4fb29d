#!/usr/bin/env bash
# After train_dr.sh: Sunnybrook LV fine-tuning of the domain-randomised model, lock-step evaluation of the shipped
# model (v1, rebuilt from public/models/mri/dfnet/model.onnx) and the new ones on all three test sets, the decision
# (ship_decision.py), and then either the export to public/models/mri/dfnet/ (ONNX + parity + manifest + card) or, when
# the new model is not better, only the comparison in results/ and the card's numbers (the shipped model.onnx and
# manifest are left alone).
#   bash training/mri/ship_dr.sh [NAME]          (NAME of the train_dr.sh run, default dfnet_dr)
# Env: FT_ITERS (800), HELDOUT (12 held-out phantom subjects), INDEPENDENT (16 independent-generator subjects).
# Writes: mri/runs/NAME/NAME_ft.pt, mri/results/dr/{compare.json,finetune.json,NAME_ft_log.jsonl},
#   mri/results/{metrics.json,ship_decision.json,finetune_dr.json,metrics_v1.json (the previous metrics, kept once)};
#   when shipping also public/models/mri/dfnet/{model.onnx,manifest.json,MODEL_CARD.md} and mri/results/export.json.
#   The card writer also refreshes the results block of training/README.md (as export.py always did).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
name="${1:-dfnet_dr}"
ft_iters="${FT_ITERS:-800}"; heldout="${HELDOUT:-12}"; independent="${INDEPENDENT:-16}"
ckpt="mri/runs/$name/$name.pt"
ft="mri/runs/$name/${name}_ft.pt"
[ -f "$ckpt" ] || { echo "no $ckpt: run train_dr.sh first" >&2; exit 1; }
grep -q '"done"' "mri/results/${name}_log.jsonl" || echo "[ship_dr] warning: $name has not finished; using its last checkpoint"
mkdir -p mri/results/dr
[ -f mri/runs/shipped_v1.pt ] || nice -n 10 "$PY" -m mri.from_onnx --out mri/runs/shipped_v1.pt --check
echo "[ship_dr] 1/4 Sunnybrook LV fine-tuning ($ft_iters iterations) $(date)"
nice -n 10 "$PY" -m mri.finetune --checkpoint "$ckpt" --cache mri/cache/dr.npz --name "${name}_ft" --iters "$ft_iters" \
  --runs "mri/runs/$name" --results mri/results/dr
echo "[ship_dr] 2/4 lock-step evaluation $(date)"
nice -n 10 "$PY" -m mri.evaluate --threads 1 --heldout "$heldout" --independent "$independent" \
  --model v1=mri/runs/shipped_v1.pt --model dr="$ckpt" --model dr_ft="$ft" --out mri/results/dr/compare.json > mri/results/dr/compare.out
echo "[ship_dr] 3/4 decision $(date)"
[ -f mri/results/metrics_v1.json ] || cp mri/results/metrics.json mri/results/metrics_v1.json
cp mri/results/dr/finetune.json mri/results/finetune_dr.json
cp "mri/results/dr/${name}_ft_log.jsonl" mri/results/
verdict="$("$PY" -m mri.ship_decision --compare mri/results/dr/compare.json | tail -n 1)"
"$PY" -m mri.plots --log "dr=mri/results/${name}_log.jsonl" --out mri/results/loss_curves_dr.png || true
echo "[ship_dr] 4/4 $verdict $(date)"
if [ "$verdict" = "SHIP" ]; then
  nice -n 10 "$PY" -m mri.export --checkpoint "$ft" --out ../public/models/mri/dfnet 2>&1 | grep -v -i warning
else
  "$PY" -c "import json; from mri.model_card import write_card, RESULTS; from pathlib import Path
write_card(Path('../public/models/mri/dfnet/MODEL_CARD.md'), json.loads((RESULTS / 'export.json').read_text()))"
  echo "[ship_dr] the shipped model stays; comparison in mri/results/metrics.json and mri/results/dr/compare.json"
fi
cat mri/results/ship_decision.json
