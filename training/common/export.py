"""The export toolkit every task shares: SHA-256 of a file, the parity files PyTorch writes, the Node parity check
that reads them (common/parity.mjs, onnxruntime-web), and the manifest check against the studio's own schema.

Parity folder layout (what `write_parity_files` writes and parity.mjs reads): model.onnx, parity.json
`{"model": "model.onnx", "cases": [{"name", "input": {"name", "file", "dims"}, "outputs": {name: {"file", "dims"}}}]}`
and one raw little-endian float32 file per input and reference output.
"""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@torch.no_grad()
def write_parity_files(run: Callable, cases: Sequence[tuple[str, np.ndarray]], directory: Path, input_name: str,
                       output_names: Sequence[str]) -> dict[str, dict[str, np.ndarray]]:
    """Runs `run` (the PyTorch model as exported: one tensor in, the outputs in the order of `output_names` out) on
    each (case name, float32 input) and writes the parity folder's files into `directory` (model.onnx is the
    caller's). Returns the PyTorch outputs per case and output name, for the export facts."""
    spec, refs = [], {}
    for name, x in cases:
        outputs = run(torch.from_numpy(x))
        x.tofile(directory / f"{name}_{input_name}.bin")
        refs[name], files = {}, {}
        for oname, t in zip(output_names, outputs, strict=True):
            ref = t.numpy().astype(np.float32)
            ref.tofile(directory / f"{name}_{oname}.bin")
            refs[name][oname] = ref
            files[oname] = {"file": f"{name}_{oname}.bin", "dims": list(ref.shape)}
        spec.append({"name": name, "input": {"name": input_name, "file": f"{name}_{input_name}.bin", "dims": list(x.shape)},
                     "outputs": files})
    (directory / "parity.json").write_text(json.dumps({"model": "model.onnx", "cases": spec}, indent=1))
    return refs


class Parity(NamedTuple):
    returncode: int
    max_abs_diff: float                   # NaN when any output held NaN, or when parity.mjs printed no summary
    per_output: dict[str, float]


def run_node_parity(directory: Path, tolerance: float) -> Parity:
    """`node training/common/parity.mjs directory tolerance`, its output passed through; non-zero exit = failure."""
    proc = subprocess.run(["node", str(HERE / "parity.mjs"), str(directory), str(tolerance)], cwd=REPO,
                          capture_output=True, text=True)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    m = re.search(r"parity: max abs diff (\S+),", proc.stdout)
    per_output = {k: float(v) for v, k in re.findall(r"max abs diff (\S+) per output (\w+)", proc.stdout)}
    return Parity(proc.returncode, float(m.group(1)) if m else float("nan"), per_output)


def check_manifest(path: Path):
    """The studio's zod schema and, where the studio has one, the task's run contract (common/check_manifest.ts);
    exits on failure."""
    tsx = REPO / "node_modules" / ".bin" / "tsx"
    proc = subprocess.run([str(tsx), str(HERE / "check_manifest.ts"), str(Path(path).resolve())], cwd=REPO,
                          capture_output=True, text=True)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        sys.exit(f"manifest {path} fails the studio's schema")
