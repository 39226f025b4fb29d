#!/usr/bin/env bash
# `npm test`: every test Loupe has — typecheck, unit tests (Vitest, Node), end-to-end tests (Playwright in
# Debian's Chromium). Installs what is missing: npm packages, and Chromium + ffmpeg via apt when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
# Real NIfTI and DICOM test files (big-endian, compressed, series…) ship with Debian's nibabel and pydicom.
[ -d /usr/lib/python3/dist-packages/nibabel/tests/data ] || need+=(python3-nibabel)
[ -d /usr/lib/python3/dist-packages/pydicom/data/test_files ] || need+=(python3-pydicom)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[test] installing ${need[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "[test] missing: ${need[*]}. Install them first, e.g.: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
fi
[ -d node_modules/vitest ] || npm install --no-audit --no-fund

echo "[test] typecheck"
npx tsc -b
echo "[test] unit tests"
npx vitest run
echo "[test] end-to-end tests"
node tests/e2e/run.mjs
echo "[test] training smoke tests (Debian's PyTorch: unit tests, a few steps, ONNX export, parity in onnxruntime-web)"
bash training/setup.sh
bash training/smoke.sh
bash training/chat/smoke.sh
bash training/ct/smoke.sh
echo "[test] benchmark smoke run (one iteration per item; the full run is npm run bench)"
node scripts/bench.mjs --smoke
