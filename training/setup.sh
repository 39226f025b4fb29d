#!/usr/bin/env bash
# Installs what training/ needs from Debian 12's archive (no PyPI): the packages of the project's one list,
# scripts/apt-packages.txt (PyTorch, NumPy, SciPy, NiBabel, pydicom, ONNX, Matplotlib, pytest, Pillow, Jinja2,
# WordNet). Idempotent. `--check` only reports (exit 1 when something is missing).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/../scripts/apt-deps.sh" "${1:-}"
command -v node >/dev/null || { echo "[setup] node (>= 20) is needed for the ONNX parity check" >&2; exit 1; }
