#!/usr/bin/env bash
# Checks the Debian packages in scripts/apt-packages.txt (the one list) with dpkg, and installs the missing ones.
#   scripts/apt-deps.sh            install what is missing when root; otherwise name it and exit 1
#   scripts/apt-deps.sh --check    only report; exit 1 when one is missing
#   scripts/apt-deps.sh --audit    also fail when a Python module imported by training/ or bench/ comes from a
#                                  Debian package that is not on the list (catches a new import before a clean CI does)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-}"
mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$root/scripts/apt-packages.txt")

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
missing=()
for p in "${pkgs[@]}"; do installed "$p" || missing+=("$p"); done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$mode" = "--check" ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "[apt] missing Debian packages: ${missing[*]}" >&2
    echo "[apt] install them first:  sudo apt-get update && sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "[apt] installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  still=()
  for p in "${missing[@]}"; do installed "$p" || still+=("$p"); done
  [ ${#still[@]} -eq 0 ] || { echo "[apt] still missing after apt-get: ${still[*]}" >&2; exit 1; }
fi
echo "[apt] all ${#pkgs[@]} packages of scripts/apt-packages.txt are installed"

if [ "$mode" = "--audit" ]; then
  # Every top-level module that a training or bench script imports must be stdlib, ours, or from a listed package.
  /usr/bin/python3 - "$root" "${pkgs[@]}" <<'PY'
import ast, importlib.util, pathlib, subprocess, sys
root, listed = pathlib.Path(sys.argv[1]), set(sys.argv[2:])
ours = {p.name for p in (root / "training").iterdir() if p.is_dir()} | {p.stem for p in (root / "training").rglob("*.py")} | {p.stem for p in (root / "bench").glob("*.py")}
mods = set()
for f in list((root / "training").rglob("*.py")) + list((root / "bench").glob("*.py")):
    for node in ast.walk(ast.parse(f.read_text(), str(f))):
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mods.add(node.module.split(".")[0])
bad = []
for m in sorted(mods - ours - set(sys.stdlib_module_names) - {"__future__"}):
    spec = importlib.util.find_spec(m)
    if spec is None or not spec.origin:
        bad.append(f"{m} (not importable by /usr/bin/python3)"); continue
    out = subprocess.run(["dpkg", "-S", spec.origin], capture_output=True, text=True).stdout
    pkg = out.split(":")[0].strip()
    if pkg not in listed:
        bad.append(f"{m} (from Debian package {pkg or '?'}, not in scripts/apt-packages.txt)")
if bad:
    sys.exit("[apt] imports not covered by the list: " + "; ".join(bad))
print(f"[apt] every third-party Python import of training/ and bench/ comes from a listed package ({len(mods)} modules)")
PY
fi
