"""Export a trained DF-Net to ONNX, check parity against onnxruntime-web, write manifest + model card (CLI).

    /usr/bin/python3 -m mri.export --checkpoint mri/runs/dfnet.pt --out ../public/models/mri/dfnet

Steps: ONNX opset 17 (GridSample needs >= 16), input "image" [batch, 1, height, width], outputs "logits"
[batch, 4, height, width] and "df" [batch, 2, height, width], all three axes dynamic -> onnx.checker ->
parity files (a random input, a held-out phantom slice through the contract preprocessing, and a batch-2
96x160 input for the dynamic axes) with the PyTorch outputs -> `node training/common/parity.mjs` (fails the
export when the max abs diff exceeds --tolerance) -> manifest.json (bytes, SHA-256) checked against the studio's
schema -> MODEL_CARD.md from results/metrics.json and the training logs. Export facts are written to
results/export.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch

from common.export import check_manifest, run_node_parity, sha256, write_parity_files

from .dataset import HELDOUT_SEED0
from .dfnet import ExportWrapper, build, count_parameters
from .phantom import make_subject, render_slice
from .preprocess import CROP, to_model_input

HERE = Path(__file__).resolve().parent
OPSET = 17


def export_onnx(model, path: Path):
    wrapper = ExportWrapper(model).eval()
    dummy = torch.randn(1, 1, CROP, CROP)
    axes = {0: "batch", 2: "height", 3: "width"}
    torch.onnx.export(wrapper, dummy, str(path), opset_version=OPSET, input_names=["image"],
                      output_names=["logits", "df"], dynamic_axes={"image": axes, "logits": axes, "df": axes},
                      do_constant_folding=True)
    m = onnx.load(str(path))
    onnx.checker.check_model(m)
    m.producer_name = "loupe training/mri"
    m.doc_string = "DF-Net cardiac short-axis segmentation (Loupe). Demo, not for clinical use."
    onnx.save(m, str(path))
    return m


def parity_inputs():
    rng = np.random.default_rng(0)
    s = make_subject(HELDOUT_SEED0)
    img, _ = render_slice(s, s.n_slices // 2, 0)
    return [
        ("random", rng.standard_normal((1, 1, CROP, CROP)).astype(np.float32)),
        ("phantom", to_model_input(img, (s.spacing, s.spacing))[None, None].astype(np.float32)),
        ("dynamic", rng.standard_normal((2, 1, 96, 160)).astype(np.float32)),
    ]


def manifest(model_path: Path, finetuned: bool = False, domain_randomised: bool = False) -> dict:
    if domain_randomised:
        name = "DF-Net cardiac short-axis segmentation (slim U-Net; domain-randomised phantoms + Sunnybrook LV fine-tuning)"
    elif finetuned:
        name = "DF-Net cardiac short-axis segmentation (slim U-Net; phantoms + Sunnybrook LV fine-tuning)"
    else:
        name = "DF-Net cardiac short-axis segmentation (slim U-Net, phantom-trained)"
    data = ("synthetic short-axis cine phantoms (training/mri/phantom.py) with domain randomisation "
            "(training/mri/domain_rand.py); LV-only fine-tuning on Sunnybrook patients 1-7 (CC0)"
            if domain_randomised else "synthetic short-axis cine phantoms (training/mri/phantom.py); no patient data")
    return {
        "schemaVersion": 1,
        "id": "dfnet",
        "task": "mri",
        "name": name,
        "files": [{"path": "model.onnx", "role": "model", "bytes": model_path.stat().st_size, "sha256": sha256(model_path)}],
        "inputs": [{
            "name": "image",
            "dtype": "float32",
            "shape": ["batch", 1, "height", "width"],
            "layout": "NCHW",
            "normalization": {"scale": 1, "offset": 0},
            "resize": "1.5 mm/px, centre crop 128x128, per-slice z-score",
        }],
        "outputs": [
            {"name": "logits", "shape": ["batch", 4, "height", "width"],
             "description": "class logits per pixel: background, RV cavity, myocardium, LV cavity (softmax over axis 1)"},
            {"name": "df", "shape": ["batch", 2, "height", "width"],
             "description": "predicted direction field in input pixels: channel 0 = x (right), 1 = y (down); about unit "
                            "length inside structures (pointing away from the nearest boundary), about 0 on background"},
        ],
        "labels": ["background", "RV", "MYO", "LV"],
        "preprocess": {"spacingMm": 1.5, "cropSize": 128, "normalization": "zscore-per-slice"},
        "licence": {"spdx": "Apache-2.0"},
        "source": {
            "training": "training/mri (this repository)",
            "data": data,
            "paper": "Cheng et al., Learning Directional Feature Maps for Cardiac MRI Segmentation, MICCAI 2020",
        },
        "intendedUse": "Segmenting RV, myocardium and LV in short-axis cine MRI slices to show volumes and ejection "
                       "fraction in an in-browser demo, not for clinical use.",
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True, help="model folder (model.onnx, manifest.json, MODEL_CARD.md)")
    ap.add_argument("--tolerance", type=float, default=1e-3)
    ap.add_argument("--no-card", action="store_true", help="skip MODEL_CARD.md (smoke test)")
    ap.add_argument("--export-json", type=Path, default=HERE / "results" / "export.json")
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    ck = torch.load(args.checkpoint, map_location="cpu")
    model = build(ck["arch"], ck["base"])
    model.load_state_dict(ck["state_dict"])
    model.eval()
    if ck["arch"] != "dfnet":
        sys.exit("export expects a DF-Net checkpoint")
    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / "model.onnx"
    export_onnx(model, onnx_path)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "model.onnx").write_bytes(onnx_path.read_bytes())
        write_parity_files(lambda x: model(x)[:2], parity_inputs(), tmp, "image", ("logits", "df"))
        rc, max_diff, _ = run_node_parity(tmp, args.tolerance)
    if rc != 0:
        sys.exit(f"parity check failed (max abs diff {max_diff})")
    man = manifest(onnx_path, finetuned=bool(ck.get("finetunedFrom")), domain_randomised=bool(ck.get("domainRandomisation")))
    (args.out / "manifest.json").write_text(json.dumps(man, indent=2, ensure_ascii=False) + "\n")
    check_manifest(args.out / "manifest.json")
    facts = {"opset": OPSET, "bytes": man["files"][0]["bytes"], "sha256": man["files"][0]["sha256"],
             "params": count_parameters(model), "parityMaxAbsDiff": max_diff, "parityTolerance": args.tolerance,
             "checkpointIteration": ck.get("it"), "torch": torch.__version__, "onnx": onnx.__version__}
    if not args.no_card:
        args.export_json.parent.mkdir(parents=True, exist_ok=True)
        args.export_json.write_text(json.dumps(facts, indent=1) + "\n")
        from .model_card import write_card

        write_card(args.out / "MODEL_CARD.md", facts)
    print(json.dumps(facts))


if __name__ == "__main__":
    main()
