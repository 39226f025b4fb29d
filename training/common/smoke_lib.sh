# The preamble of every training smoke test, sourced as `source "$(dirname "$0")/../common/smoke_lib.sh" TASK`:
# paths, Debian's interpreter (a pyenv python3 earlier on PATH cannot see Debian's packages), a temporary folder
# removed on exit, `step` / `fail` / `ok` lines tagged [TASK-smoke], and the one environment check. Leaves the
# caller in training/, so task code runs as `python -m TASK.module`.
tag="[$1-smoke]"
training="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$training/.." && pwd)"
PY=/usr/bin/python3
start=$SECONDS
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
step() { echo "$tag $* ($((SECONDS - start)) s)"; }
fail() { echo "$tag $*" >&2; exit 1; }
ok() { echo "$tag OK in $((SECONDS - start)) s"; }

step "environment"
"$repo/scripts/apt-deps.sh" --check
command -v node >/dev/null || fail "node (>= 20) is needed for the parity checks"
[ -d "$repo/node_modules/onnxruntime-web" ] || fail "node_modules/onnxruntime-web missing: run npm install"
cd "$training"
