#!/usr/bin/env bash
# Installs what training/ needs from Debian 12's archive (no PyPI): PyTorch, NumPy, SciPy, NiBabel, ONNX,
# Matplotlib, pytest, Pillow, and WordNet (wordnet-base) for the chat corpus. Idempotent: does nothing when every module already imports in /usr/bin/python3.
# `--check` only reports (exit 1 when something is missing).
set -euo pipefail
PY=/usr/bin/python3
PKGS=(python3-torch python3-numpy python3-scipy python3-nibabel python3-onnx python3-matplotlib python3-pytest python3-pil)
MODULES="torch numpy scipy nibabel onnx matplotlib pytest PIL"

have_all() {
  [ -x "$PY" ] && "$PY" - "$MODULES" <<'PYEOF' 2>/dev/null
import importlib, sys
for m in sys.argv[1].split():
    importlib.import_module(m)
PYEOF
}

if have_all; then
  echo "[setup] all Python modules present ($("$PY" -c 'import torch, onnx; print("torch", torch.__version__, "onnx", onnx.__version__)'))"
else
  if [ "${1:-}" = "--check" ]; then
    echo "[setup] missing modules; run: sudo training/setup.sh" >&2
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "[setup] missing modules; run as root: apt-get install -y ${PKGS[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${PKGS[@]}"
  have_all || { echo "[setup] modules still missing after apt-get" >&2; exit 1; }
  echo "[setup] installed ${PKGS[*]}"
fi
# The chat corpus and its smoke test read WordNet 3.0 from Debian's wordnet-base.
if [ ! -d /usr/share/wordnet ]; then
  if [ "$(id -u)" -ne 0 ] || [ "${1:-}" = "--check" ]; then
    echo "[setup] /usr/share/wordnet missing; run as root: apt-get install -y wordnet-base" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq wordnet-base
  echo "[setup] installed wordnet-base"
fi
command -v node >/dev/null || { echo "[setup] node (>= 20) is needed for the ONNX parity check" >&2; exit 1; }
