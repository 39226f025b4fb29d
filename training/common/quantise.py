"""Weight-only int8 variant of a shipped model folder (issue 15, item 4).

    /usr/bin/python3 -m common.quantise --src ../public/models/chat/wordnet-dssn --id wordnet-dssn-int8 \
        --name "WordNet dictionary assistant (DSSN, 2.2M, int8 weights)"

Every large constant weight — a MatMul's 2-D right operand (one scale per output column), a Gather's 2-D table (the
token embedding: one scale per row), a Conv's kernel (one scale per output channel) — becomes symmetric int8
(zero point 0, scale = max |w| / 127) behind a DequantizeLinear node; activations stay float32. The file shrinks
about 4x. The studio folds those DequantizeLinear nodes into float32 weights when it creates the session (ONNX
Runtime's `session.disable_quant_qdq`, set in src/runtime/session.ts), so it runs the same float32 kernels as the
original: a smaller download, the same speed, and the accuracy of the rounded weights, which
`scripts/quantisation.ts` measures against the original and writes to the folder's `quantisation.json`.

Writes the sibling folder `<src>/../<id>/`: model.onnx, the source's other files (not its reference.json: the
float32 model's greedy reference does not bind the int8 one; not its card), MODEL_CARD.md and manifest.json (the
source's, with the new id, name and file list). Deterministic: the same source gives the same bytes. Run it again
after `scripts/quantisation.ts` to put the measured numbers into the card.
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from common.card import read_json, table
from common.export import sha256

MIN_ELEMENTS = 1024          # smaller constants (biases, norms) stay float32: nothing to gain
SKIP = {"model.onnx", "manifest.json", "MODEL_CARD.md", "reference.json", "quantisation.json"}


def quantise_weight(w: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-channel int8 along `axis`: (q, scale) with w ≈ q * scale (scale broadcast along `axis`)."""
    reduce = tuple(i for i in range(w.ndim) if i != axis)
    scale = (np.abs(w).max(axis=reduce) / 127.0).astype(np.float32)
    scale[scale == 0] = 1.0
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, scale


def quantise_model(model: onnx.ModelProto) -> dict:
    """Rewrites `model` in place; returns what it did."""
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    plan: dict[str, int] = {}                   # initializer name -> channel axis
    ops: dict[str, str] = {}
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits and len(inits[node.input[1]].dims) == 2:
            plan.setdefault(node.input[1], 1)
            ops.setdefault(node.input[1], "MatMul weights")
        elif node.op_type == "Gather" and node.input[0] in inits and len(inits[node.input[0]].dims) == 2:
            plan.setdefault(node.input[0], 0)
            ops.setdefault(node.input[0], "embedding tables")
        elif node.op_type == "Conv" and node.input[1] in inits:
            plan.setdefault(node.input[1], 0)
            ops.setdefault(node.input[1], "convolution kernels")
    plan = {k: a for k, a in plan.items() if int(np.prod(inits[k].dims)) >= MIN_ELEMENTS}
    kinds: dict[str, int] = {}
    for k in plan:
        kinds[ops[k]] = kinds.get(ops[k], 0) + 1
    new_inits, new_nodes, worst = [], [], 0.0
    for name, axis in sorted(plan.items()):
        w = numpy_helper.to_array(inits[name])
        q, scale = quantise_weight(w, axis)
        shape = [1] * w.ndim
        shape[axis] = -1
        worst = max(worst, float(np.abs(q * scale.reshape(shape) - w).max()))
        new_inits += [numpy_helper.from_array(q, f"{name}_int8"), numpy_helper.from_array(scale, f"{name}_scale"),
                      numpy_helper.from_array(np.zeros(scale.shape, np.int8), f"{name}_zero")]
        new_nodes.append(helper.make_node("DequantizeLinear", [f"{name}_int8", f"{name}_scale", f"{name}_zero"], [name],
                                          name=f"{name}_dequantize", axis=axis))
    kept = [i for i in graph.initializer if i.name not in plan]
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(new_nodes + nodes)          # the dequantized weights exist before any node reads them
    onnx.checker.check_model(model)
    return {"weights": len(plan), "parameters": int(sum(np.prod(inits[k].dims) for k in plan)), "kinds": kinds,
            "maxAbsRoundingError": worst}


def card(src_manifest: dict, manifest: dict, facts: dict, measured: dict | None) -> str:
    lines = [f"# {manifest['name']}", "",
             f"The weights of `{src_manifest['id']}` ({src_manifest['name']}) rounded to int8 by `training/common/quantise.py`; "
             "everything else — architecture, inputs and outputs, preprocessing, training data, licence, intended use — is "
             f"that model's: read its card (`models/{src_manifest['task']}/{src_manifest['id']}/MODEL_CARD.md`).", "",
             "## What changed",
             f"- {facts['weights']} weight tensors, {facts['parameters']:,} parameters ("
             + ", ".join(f"{n} {k}" for k, n in sorted(facts["kinds"].items())) + " of ≥ 1,024 values), as symmetric "
             "int8 with one scale per output channel (per row for an embedding), behind ONNX `DequantizeLinear`; "
             "activations, biases, norms and any transposed convolution stay float32. Largest rounding error of a weight: "
             f"{facts['maxAbsRoundingError']:.2e}.",
             f"- File: {facts['bytes']:,} bytes against {facts['sourceBytes']:,} ({facts['bytes'] / facts['sourceBytes']:.0%}).",
             "- The studio folds the `DequantizeLinear` nodes into float32 weights when it creates the session "
             "(`session.disable_quant_qdq`), so the same float32 kernels run: the gain is the download, not the speed.", ""]
    if measured:
        lines += ["## Measured against the float32 model (`npx tsx scripts/quantisation.ts`)", ""]
        lines += table(["Measure", measured.get("sourceLabel", "float32"), measured.get("label", "int8")],
                       [[r["measure"], r["source"], r["quantised"]] for r in measured["rows"]])
        lines += ["", measured.get("note", ""), ""]
    else:
        lines += ["## Measured", "Not yet: run `npx tsx scripts/quantisation.ts` and this script again.", ""]
    lines += ["## Intended use and limits", "As the float32 model's: " + src_manifest.get("intendedUse", "").rstrip(".") + ".", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", type=Path, required=True, help="a shipped model folder (manifest.json, model.onnx, ...)")
    ap.add_argument("--id", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--out", type=Path, help="the variant's folder (default: <src>/../<id>, beside the original)")
    args = ap.parse_args(argv)
    src = args.src.resolve()
    out = (args.out or src.parent / args.id).resolve()
    src_manifest = json.loads((src / "manifest.json").read_text())
    out.mkdir(parents=True, exist_ok=True)
    model = onnx.load(str(src / "model.onnx"))
    facts = quantise_model(model)
    onnx.save(model, str(out / "model.onnx"))
    facts.update(bytes=(out / "model.onnx").stat().st_size, sourceBytes=(src / "model.onnx").stat().st_size,
                 sha256=sha256(out / "model.onnx"))
    for f in src_manifest["files"]:
        if f["path"] not in SKIP:
            shutil.copyfile(src / f["path"], out / f["path"])
    manifest = {**src_manifest, "id": args.id, "name": args.name,
                "source": {**src_manifest.get("source", {}), "quantisation": "training/common/quantise.py: int8 weights "
                           f"(symmetric, per channel) of {src_manifest['id']}, DequantizeLinear folded at load"}}
    measured = read_json(out / "quantisation.json")
    measured = measured if measured and "rows" in measured else None
    if measured and measured.get("sha256") != facts["sha256"]:
        print(f"[quantise] {out / 'quantisation.json'} measured another model.onnx; the card leaves it out")
        measured = None
    (out / "MODEL_CARD.md").write_text(card(src_manifest, manifest, facts, measured))
    files = []
    for f in src_manifest["files"]:
        if f["path"] == "reference.json":
            continue
        path = out / f["path"]
        files.append({**f, "bytes": path.stat().st_size, "sha256": sha256(path)})
    if measured:
        path = out / "quantisation.json"
        files.append({"path": "quantisation.json", "role": "evaluation", "bytes": path.stat().st_size, "sha256": sha256(path)})
    manifest["files"] = files
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    print(f"[quantise] {out}: {facts['weights']} weights, {facts['sourceBytes']:,} -> {facts['bytes']:,} bytes, "
          f"max rounding error {facts['maxAbsRoundingError']:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
