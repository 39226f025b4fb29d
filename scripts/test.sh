#!/usr/bin/env bash
# `npm test`: every test Loupe has — typecheck, unit tests (Vitest, Node), end-to-end tests (Playwright in
# Debian's Chromium), training smoke tests, benchmark smoke run. Installs what is missing: npm packages, and the
# Debian packages of scripts/apt-packages.txt when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the one list, scripts/apt-packages.txt, checked with dpkg (installed when root, named otherwise);
# --audit also fails when training/ or bench/ imports a Python module from a package missing from that list.
bash scripts/apt-deps.sh --audit
[ -d node_modules/vitest ] || npm install --no-audit --no-fund

echo "[test] typecheck"
npx tsc -b
echo "[test] unit tests"
npx vitest run
echo "[test] end-to-end tests"
node tests/e2e/run.mjs
echo "[test] training smoke tests (Debian's PyTorch: unit tests, a few steps, ONNX export, parity in onnxruntime-web)"
bash training/smoke.sh
echo "[test] FLOP counts of every shipped model up to date (src/bench/flops.json; a new model needs its count)"
/usr/bin/python3 bench/flops.py --check > /dev/null
echo "[test] benchmark smoke run (one iteration per item; the full run is npm run bench)"
node scripts/bench.mjs --smoke
