#!/usr/bin/env bash
# CI smoke test for all of training/ (~5-8 minutes on 2 CPU cores): the shared toolkit's unit tests, then each
# task's own smoke test (mri, chat, ct: unit tests, a few training steps, ONNX export, onnxruntime-web parity,
# manifest check). Exits non-zero on the first failure.
set -euo pipefail
source "$(dirname "$0")/common/smoke_lib.sh" training

step "shared toolkit: unit tests"
"$PY" -m pytest -q -p no:cacheprovider common/tests
for task in mri chat ct; do
  step "$task"
  bash "$task/smoke.sh"
done
ok
