"""A real UCADI checkpoint (.pth state_dict, `module.` prefix) -> ONNX + manifest with the same contract (CLI).

    /usr/bin/python3 -m ct.export_checkpoint --pth ../../shared/ucadi/weight_v126.pth --out /tmp/ucadi-v126

Loads the state_dict into ct.densenet3d.DenseNet3D with strict=True (prefix stripped), exports exactly as
ct.export (opset 17, "volume" -> "logits", "cam"), runs the same onnxruntime-web parity check and writes
manifest.json (+ a short MODEL_CARD.md). The upstream weights are CC BY-NC 3.0 and their training data is
undocumented: write the output to a temporary folder, never into public/ or anywhere in this repository.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from common.export import REPO, sha256

from .densenet3d import load_ucadi
from .export import export_model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pth", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--id", default="ucadi-upstream")
    ap.add_argument("--tolerance", type=float, default=2e-3)
    ap.add_argument("--cases", default="random,phantom,batch2")
    ap.add_argument("--allow-repo", action="store_true", help="allow --out inside the repository (don't)")
    args = ap.parse_args(argv)
    out = args.out.resolve()
    if not args.allow_repo and (out == REPO or REPO in out.parents):
        sys.exit(f"{out} is inside the repository: the upstream weights are CC BY-NC 3.0, export to a temporary folder")
    torch.set_num_threads(2)
    model = load_ucadi(args.pth)
    digest = sha256(args.pth)
    facts = export_model(
        model, out, args.id, f"UCADI 3D DenseNet, upstream checkpoint {args.pth.name}",
        {"checkpoint": args.pth.name, "checkpointSha256": digest,
         "upstream": "HUST-EIC-AI-LAB/UCADI (client_benbu/weight_v126.pth, commit 9126e81)",
         "data": "undocumented: the upstream repository does not say what this checkpoint was trained on",
         "converter": "training/ct/export_checkpoint.py (this repository)"},
        "Compatibility test of the studio with a real UCADI checkpoint; non-commercial (CC BY-NC 3.0), training data "
        "undocumented, demo, not for clinical use.",
        args.tolerance, args.cases.split(","), spdx="CC-BY-NC-3.0",
        doc="UCADI 3D DenseNet (upstream weights, CC BY-NC 3.0, Bai et al. 2021). Demo, not for clinical use.")
    facts["checkpointSha256"] = digest
    (out / "MODEL_CARD.md").write_text(
        f"# UCADI 3D DenseNet, upstream checkpoint `{args.pth.name}`\n\n"
        "Converted with `training/ct/export_checkpoint.py`. Weights: HUST-EIC-AI-LAB/UCADI, CC BY-NC 3.0 "
        "(non-commercial; attribution: Bai et al., Nature Machine Intelligence 2021). **Its training data is "
        "undocumented**, so nothing is known about the scanners, populations or label definitions behind it. "
        "Compatibility test only; demo, not for clinical use.\n\n"
        f"- parameters {facts['params']:,} (state_dict elements {facts['stateDictElements']:,}), "
        f"{facts['flops'] / 1e9:.1f} GFLOP per 16x128x128 volume\n"
        f"- ONNX opset {facts['opset']}, {facts['bytes']:,} bytes, SHA-256 {facts['sha256']}\n"
        f"- parity PyTorch vs onnxruntime-web (WASM, 1 thread): max abs diff {facts['parityMaxAbsDiff']:.2e} "
        f"(per output {facts['parityMaxAbsDiffPerOutput']}), tolerance {facts['parityTolerance']}\n")
    (out / "export.json").write_text(json.dumps(facts, indent=1) + "\n")
    print(json.dumps({k: v for k, v in facts.items() if k not in ("macsPerModule",)}))


if __name__ == "__main__":
    main()
