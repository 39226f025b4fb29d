#!/usr/bin/env bash
# The one GPU run (~8 min on one H100/H200, torch 2.x): the stability experiment (4 configs, ~2 min) and the main
# dictionary-assistant training (5 min) concurrently on the one GPU, then the evaluation of the trained model.
#   cd training && bash chat/gpu_run.sh /path/to/OUT
# Needs chat/data/ (built here by `python3 -m chat.corpus --out chat/data`). Writes into OUT only:
#   chat_model_fp16.npz (< 16 MiB, see to_npz.py) and chat.tar.gz (logs, json, png, md; no checkpoints).
# SMOKE=1 runs the same chain on the CPU with tiny sizes (the check done before the GPU run).
set -uo pipefail
OUT="${1:?usage: gpu_run.sh OUT_DIR}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
cd "$(dirname "$0")/.."                  # training/
PY="${PY:-python3}"
RUN="chat/runs/gpu"
rm -rf "$RUN"; mkdir -p "$RUN/stability"
if [ "${SMOKE:-0}" = "1" ]; then
  DEV=cpu
  MAIN="--hidden 32 --layers 2 --heads 4 --kv-heads 2 --ffn 64 --seq 64 --batch 4 --steps 20 --warmup 5 --max-minutes 1 --log-every 5 --eval-every 10 --eval-batches 2"
  STAB="--hidden 32 --layers 4 --heads 4 --kv-heads 2 --ffn 64 --seq 64 --batch 4 --steps 20 --max-minutes 1"
  EVAL="--limit 8 --limit-ppl 64 --batch 16 --max-new 24"
  STAB_THREADS=1; MAIN_THREADS=1
else
  DEV=cuda
  MAIN="--hidden 256 --layers 8 --heads 8 --kv-heads 2 --ffn 704 --seq 256 --batch 128 --steps 20000 --lr 2e-3 --warmup 200 --min-lr-ratio 0.1 --max-minutes ${CHAT_MAIN_MINUTES:-4.5} --log-every 50 --eval-every 500 --eval-batches 8"
  STAB="--hidden 128 --layers 16 --heads 4 --kv-heads 2 --ffn 352 --seq 256 --batch 32 --steps 1500 --lr 8e-3 --warmup 20 --max-minutes ${CHAT_STAB_MINUTES:-3}"
  EVAL="--limit ${CHAT_EVAL_LIMIT:-1000} --batch 256 --max-new 128"
  STAB_THREADS=1; MAIN_THREADS=2
fi
echo "[gpu_run] $(date -u +%T) start, device $DEV, out $OUT"
"$PY" - <<'PYEOF' 2>&1 | tee "$RUN/env.txt"
import importlib.util, torch
print("[gpu_run] torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "",
      "| numpy", bool(importlib.util.find_spec("numpy")), "matplotlib", bool(importlib.util.find_spec("matplotlib")), "(both optional)")
PYEOF
# the four stability configs run one after the other in one process (fewer processes time-sharing the GPU)
OMP_NUM_THREADS=$STAB_THREADS "$PY" -m chat.stability --data chat/data --out "$RUN/stability" --device $DEV \
  --only pre-normal,pre-tiny,sandwich-normal,dssn-tiny $STAB > "$RUN/stability/stability.out" 2>&1 &
stab_pid=$!
OMP_NUM_THREADS=$MAIN_THREADS "$PY" -m chat.train --data chat/data --out "$RUN/main" --device $DEV --norm dssn --init tiny $MAIN \
  > "$RUN/train.out" 2>&1 &
main_pid=$!
wait "$stab_pid"; echo "stability exit $?" >> "$RUN/status.txt"
echo "[gpu_run] $(date -u +%T) stability done"
wait "$main_pid"; echo "main train exit $?" >> "$RUN/status.txt"
echo "[gpu_run] $(date -u +%T) training done"; tail -3 "$RUN/train.out"
if [ -f "$RUN/main/model_fp16.pt" ]; then
  "$PY" to_npz.py "$RUN/main/model_fp16.pt" "$OUT/chat_model_fp16.npz"
  timeout ${CHAT_EVAL_TIMEOUT:-120} "$PY" -m chat.evaluate --ckpt "$RUN/main/model_fp16.pt" --data chat/data --out "$RUN/main" --device $DEV $EVAL \
    > "$RUN/eval.out" 2>&1; echo "evaluate exit $?" >> "$RUN/status.txt"
fi
echo "[gpu_run] $(date -u +%T) evaluation done"
cat "$RUN/status.txt"
tar -czf "$OUT/chat.tar.gz" -C "$RUN" --exclude='*.pt' .
ls -l "$OUT"
echo "[gpu_run] $(date -u +%T) end"
