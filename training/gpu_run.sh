#!/usr/bin/env bash
# One lent CUDA machine, one call: the CT federated run, the MRI DF-Net / U-Net pair and the chat model's runs side by
# side on the same GPU (16 cores shared: CT renders with 8 processes, MRI with 6).
#   bash training/gpu_run.sh OUT          (python3 there must be a CUDA PyTorch; chat/data must have been built here)
# Each part writes its archives into OUT (ct.tar.gz, mri.tar.gz, the chat files) and its log into OUT/logs/.
set -uo pipefail
out="$(mkdir -p "$1" && cd "$1" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
logs="$out/logs"
mkdir -p "$logs"
start=$SECONDS
export PYTHONUNBUFFERED=1
bash "$here/ct/gpu_run.sh" "$out" "${CT_BUDGET_MINUTES:-5.5}" "${CT_RENDER_PROCESSES:-8}" > "$logs/ct.log" 2>&1 &
ct=$!
if [ -z "${SKIP_MRI:-}" ]; then
  bash "$here/mri/gpu_run.sh" "$out" "${MRI_BUDGET_MINUTES:-4}" 6 > "$logs/mri.log" 2>&1 &
  mri=$!
else mri=""; fi
bash "$here/chat/gpu_run.sh" "$out" > "$logs/chat.log" 2>&1 &
chat=$!
# progress lines while waiting (the call's output tail shows the last of them)
( while sleep 60; do echo "--- $((SECONDS - start)) s"; tail -qn 1 "$logs"/*.log; done ) &
ticker=$!
wait $ct; ct_rc=$?
mri_rc=skipped; [ -n "$mri" ] && { wait $mri; mri_rc=$?; }
wait $chat; chat_rc=$?
kill $ticker 2>/dev/null
echo "ct rc=$ct_rc mri rc=$mri_rc chat rc=$chat_rc in $((SECONDS - start)) s"
tail -n 12 "$logs"/*.log
ls -la "$out"
