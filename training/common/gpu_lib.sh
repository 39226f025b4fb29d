# The preamble of the per-task GPU runs, sourced by mri/gpu_run.sh and ct/gpu_run.sh (called as `TASK/gpu_run.sh OUT
# [BUDGET_MINUTES] [RENDER_PROCESSES]`): `out` (created, absolute), `procs`, `PY` (the machine's python3, which must
# be a CUDA PyTorch), `device` (DEVICE, default cuda), a work folder `work`, `start`; leaves the caller in training/.
# The budget's default differs per task, so the caller reads $2 itself.
out="$(mkdir -p "$1" && cd "$1" && pwd)"
procs="${3:-8}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PY:-python3}"
work="$(mktemp -d)"
device="${DEVICE:-cuda}"
start=$SECONDS
