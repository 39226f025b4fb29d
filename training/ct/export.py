"""Export the federated UCADI 3D DenseNet to ONNX, check parity in onnxruntime-web, write manifest + card (CLI).

    /usr/bin/python3 -m ct.export --checkpoint ct/runs/fedavg.pt --out ../public/models/ct/ucadi-densenet \\
        --results ct/results/fedavg.json

ONNX opset 17; input "volume" float32 [batch, 1, 16, 128, 128] (HU clipped to [-1200, 600] and normalised
(x + 604.23) / 489.42 by the caller); outputs "logits" [batch, 4] and "cam" [batch, 4, 16, 128, 128]: per class
ReLU(sum_k w_ck f_k) over the last feature block (f: [120, 4, 32, 32] after the final BN + LeakyReLU, w: the
classifier weights), trilinearly upsampled (align_corners=False) to the input grid and divided by its own
maximum per sample and class (+1e-6) inside the graph, so each map lies in [0, 1]. The two AvgPool3d(2) are
written as fixed-weight Conv nodes (common/pool_as_conv.py), which ONNX Runtime's WebGPU provider runs (it has no
3D AveragePool). Then onnx.checker, parity
files (a random volume, a held-out COVID-19 phantom through the contract preprocessing, a batch of 2) with the
PyTorch outputs, `node training/common/parity.mjs` (fails when the max abs diff exceeds --tolerance), manifest.json
(bytes, SHA-256) validated against the studio's zod schema and CT contract, MODEL_CARD.md.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import torch

from common.export import check_manifest, run_node_parity, sha256, write_parity_files
from common.pool_as_conv import rewrite as rewrite_pools

from .densenet3d import LABELS, DenseNet3D, ExportWrapper, count_macs, count_parameters, network_size
from .preprocess import CT_INPUT, HU_MEAN, HU_STD, sample_slice_indices, to_model_input

OPSET = 17
PARITY_SEED = 9_100_000   # held-out phantom for the parity case (never in a training split)


def export_onnx(model: DenseNet3D, path: Path, doc: str, in_plane: int | None = None):
    wrapper = ExportWrapper(model.eval(), normalize_cam=True, in_plane=in_plane).eval()
    dummy = torch.zeros(1, 1, *CT_INPUT)
    torch.onnx.export(wrapper, dummy, str(path), opset_version=OPSET, input_names=["volume"],
                      output_names=["logits", "cam"],
                      dynamic_axes={"volume": {0: "batch"}, "logits": {0: "batch"}, "cam": {0: "batch"}},
                      do_constant_folding=True)
    m = onnx.load(str(path))
    rewrite_pools(m)   # AvgPool3d as a fixed Conv: ORT's WebGPU provider runs Conv in 3D, not AveragePool
    onnx.checker.check_model(m)
    m.producer_name = "loupe training/ct"
    m.doc_string = doc
    onnx.save(m, str(path))
    return m


def parity_inputs(cases: list[str]):
    from .phantom import Scanner, make_case

    rng = np.random.default_rng(0)
    out = []
    for name in cases:
        if name == "random":
            out.append((name, rng.standard_normal((1, 1, *CT_INPUT)).astype(np.float32)))
        elif name == "phantom":
            ct = make_case(PARITY_SEED, 1, Scanner(thickness_mm=2.5), severity=0.7)
            idx = sample_slice_indices(ct.hu.shape[0])
            out.append((name, to_model_input(ct.hu, idx)[None, None].astype(np.float32)))
        elif name == "batch2":
            out.append((name, (rng.standard_normal((2, 1, *CT_INPUT)) * 0.5).astype(np.float32)))
        else:
            raise ValueError(f"unknown parity case {name}")
    return out


def cam_description(in_plane: int | None) -> str:
    grid = (in_plane or CT_INPUT[1]) // 4
    return ("class activation map of each class (order of labels) on the input grid: ReLU(sum_k w_ck f_k) of "
            f"the last feature block (120 x 4 x {grid} x {grid}) with the classifier weights, trilinearly upsampled "
            "(align_corners=False) and divided by its maximum per sample and class inside the graph, so each "
            "map lies in [0, 1] (all 0 where the class has no positive evidence)")


def manifest(model_path: Path, model_id: str, name: str, source: dict, intended: str, spdx: str = "Apache-2.0",
             in_plane: int | None = None) -> dict:
    resize = "HU clip [-1200,600], 16-slice sampling (stride 1/2/5 by depth), trilinear to 16x128x128"
    if in_plane:
        resize += f"; inside the graph the network runs at 16x{in_plane}x{in_plane} (trilinear, align_corners=False)"
    return {
        "schemaVersion": 1,
        "id": model_id,
        "task": "ct",
        "name": name,
        "files": [{"path": "model.onnx", "role": "model", "bytes": model_path.stat().st_size, "sha256": sha256(model_path)}],
        "inputs": [{
            "name": "volume",
            "dtype": "float32",
            "shape": ["batch", 1, *CT_INPUT],
            "layout": "NCDHW",
            "normalization": {"scale": 1 / HU_STD, "offset": -HU_MEAN / HU_STD},
            "resize": resize,
        }],
        "outputs": [
            {"name": "logits", "shape": ["batch", 4],
             "description": "class logits (softmax over axis 1): healthy, COVID-19, other viral pneumonia, bacterial pneumonia"},
            {"name": "cam", "shape": ["batch", 4, *CT_INPUT], "description": cam_description(in_plane)},
        ],
        "labels": list(LABELS),
        "licence": {"spdx": spdx},
        "source": source,
        "intendedUse": intended,
    }


def export_model(model: DenseNet3D, out: Path, model_id: str, name: str, source: dict, intended: str,
                 tolerance: float, cases: list[str], spdx: str = "Apache-2.0", doc: str = "",
                 in_plane: int | None = None) -> dict:
    """ONNX + parity + manifest into `out`; returns the export facts (exits non-zero on parity failure)."""
    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / "model.onnx"
    export_onnx(model, onnx_path, doc or f"{name}. Demo, not for clinical use.", in_plane)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "model.onnx").write_bytes(onnx_path.read_bytes())
        wrapper = ExportWrapper(model.eval(), normalize_cam=True, in_plane=in_plane).eval()
        refs = write_parity_files(wrapper, parity_inputs(cases), tmp, "volume", ("logits", "cam"))
        rc, max_diff, diffs = run_node_parity(tmp, tolerance)
    if rc != 0:
        sys.exit(f"parity check failed (max abs diff {max_diff}, tolerance {tolerance})")
    man = manifest(onnx_path, model_id, name, source, intended, spdx, in_plane)
    (out / "manifest.json").write_text(json.dumps(man, indent=2, ensure_ascii=False) + "\n")
    check_manifest(out / "manifest.json")
    macs = count_macs(model, (1, 1, CT_INPUT[0], in_plane or CT_INPUT[1], in_plane or CT_INPUT[2]))
    return {"name": name, "opset": OPSET, "bytes": man["files"][0]["bytes"], "sha256": man["files"][0]["sha256"],
            "params": count_parameters(model),
            "stateDictElements": sum(t.numel() for t in model.state_dict().values()),
            "networkInPlane": in_plane or CT_INPUT[1], "macs": macs["macs"], "flops": macs["flops"], "macsPerModule": macs["macsPerModule"],
            "parityMaxAbsDiff": max_diff, "parityMaxAbsDiffPerOutput": diffs, "parityTolerance": tolerance,
            "parityCases": cases, "paritySeconds": round(time.time() - t0, 1),
            "paritySoftmax": {c: torch.softmax(torch.from_numpy(r["logits"]), 1).numpy().round(4).tolist() for c, r in refs.items()},
            "torch": torch.__version__, "onnx": onnx.__version__}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, required=True, help="a ct.federated checkpoint (runs/<name>.pt)")
    ap.add_argument("--out", type=Path, required=True, help="model folder (model.onnx, manifest.json, MODEL_CARD.md)")
    ap.add_argument("--results", type=Path, default=None, help="ct.federated results JSON for the model card")
    ap.add_argument("--tolerance", type=float, default=2e-3)
    ap.add_argument("--cases", default="random,phantom,batch2", help="parity cases: random, phantom, batch2")
    ap.add_argument("--no-card", action="store_true", help="skip MODEL_CARD.md (smoke test)")
    ap.add_argument("--export-json", type=Path, default=None, help="write the export facts here")
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    ck = torch.load(args.checkpoint, map_location="cpu")
    model = DenseNet3D()
    model.load_state_dict(ck["state_dict"], strict=True)
    model.eval()
    facts = export_model(
        model, args.out, "ucadi-densenet", "UCADI 3D DenseNet, COVID-19 chest CT (federated on synthetic sites)",
        {"training": "training/ct (this repository)",
         "data": "synthetic chest CT phantoms of 4 simulated hospitals (training/ct/phantom.py, sites.py); no patient data",
         "paper": "Bai et al., Advancing COVID-19 diagnosis with privacy-preserving collaboration in artificial "
                  "intelligence, Nature Machine Intelligence 2021 (UCADI)"},
        "Classifying a chest CT volume as healthy, COVID-19, other viral or bacterial pneumonia with a class "
        "activation map, to show federated learning and in-browser 3D inference: demo, not for clinical use.",
        args.tolerance, args.cases.split(","), in_plane=network_size(ck))
    facts["checkpoint"] = str(args.checkpoint)
    facts["trainedAt"] = ck.get("trainedAt")
    facts["bnRecalibratedAt128"] = ck.get("bnRecalibratedAt128")
    if args.export_json:
        args.export_json.parent.mkdir(parents=True, exist_ok=True)
        args.export_json.write_text(json.dumps(facts, indent=1) + "\n")
    if not args.no_card:
        from .model_card import write_card

        results = json.loads(args.results.read_text()) if args.results else {}
        write_card(args.out / "MODEL_CARD.md", facts, results)
    print(json.dumps({k: v for k, v in facts.items() if k not in ("macsPerModule", "paritySoftmax")}))


if __name__ == "__main__":
    main()
