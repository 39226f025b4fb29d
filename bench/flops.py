#!/usr/bin/python3
"""Counts the floating-point operations of one inference of every model in public/models, from its ONNX graph.

    /usr/bin/python3 bench/flops.py            # rewrites src/bench/flops.json when a count changed
    /usr/bin/python3 bench/flops.py --check    # exit 1 when src/bench/flops.json is stale (or a model is new)

Needs Debian's python3-onnx (shape inference); not the pyenv python. Counting rules (also written into the JSON):

- "macFlops": 2 x multiply-accumulates of Conv, ConvTranspose, MatMul and Gemm (bias adds excluded). This is the
  number the benchmark divides by time to get GFLOP/s, comparable with the 2*n^3 of an n^3 MatMul.
- "elementwiseFlops": 1 per output element of elementwise arithmetic and activations (Add, Sub, Mul, Div, Relu,
  PRelu, Sigmoid, ...), 1 per output element for a Conv/ConvTranspose/Gemm bias, kH*kW per output element of
  MaxPool/AveragePool, 2 per element of BatchNormalization, 5 per output element of Softmax, 8 per output
  element of GridSample (bilinear: 4 taps, multiply-add). Everything else (Transpose, Reshape, Concat, Pad, ...)
  moves data and counts 0; those op types are listed under "notCounted".

Models with symbolic input sizes (the MRI model: batch, height, width) are counted at their manifest's
preprocess crop, batch 1; shapes that ONNX shape inference cannot follow (a Resize to computed sizes, a
language model's Reshape/Slice on computed sizes) come from one executed run (bench/shapes.mjs). Language models
(task "chat": symbolic sequence and past lengths) are counted for one decode step: batch 1, one new token,
DECODE_PAST tokens already in the KV cache ("binding" in the JSON; every input's shape and type under "inputs", so
the benchmark can feed the same step).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import onnx
from onnx import shape_inference

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "public" / "models"
OUT = ROOT / "src" / "bench" / "flops.json"

ELEMENTWISE_1 = {"Add", "Sub", "Mul", "Div", "Relu", "PRelu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Max", "Min",
                 "Sqrt", "Exp", "Log", "Pow", "Neg", "Abs", "HardSigmoid", "HardSwish", "Elu", "Selu", "Erf", "Sum",
                 "Mean", "Reciprocal"}
RULES = {
    "macFlops": "2 x multiply-accumulates of Conv, ConvTranspose, MatMul, Gemm (bias adds excluded)",
    "elementwiseFlops": "1 per output element of elementwise ops and activations and of Conv/Gemm bias adds; kH*kW "
                        "per output of MaxPool/AveragePool; 2 per element of BatchNormalization; 5 per element of "
                        "Softmax; 8 per output element of GridSample; data movement (Transpose, Reshape, Concat, "
                        "Pad, ...) counts 0",
}


def prod(xs):
    p = 1
    for x in xs:
        p *= x
    return p


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


DECODE_PAST = 127   # a decode step at context 128: past 127 tokens + 1 new
LLM_BINDING = {"batch_size": 1, "sequence_length": 1, "past_sequence_length": DECODE_PAST,
               "total_sequence_length": DECODE_PAST + 1}
ONNX_TYPES = {1: "float32", 7: "int64", 6: "int32", 10: "float16"}


class Unsized(Exception):
    """A model whose per-inference work depends on sizes its manifest does not fix (e.g. a language model's sequence)."""


def fix_inputs(model, manifest):
    """Symbolic input dims -> concrete (batch 1, the manifest's crop for spatial dims, LLM_BINDING for a language
    model). Returns the binding used for a language model, else None."""
    crop = (manifest.get("preprocess") or {}).get("cropSize")
    llm = manifest.get("task") == "chat"
    for inp in model.graph.input:
        dims = inp.type.tensor_type.shape.dim
        for i, d in enumerate(dims):
            if d.dim_value > 0:
                continue
            name = d.dim_param
            if llm:
                value = LLM_BINDING.get(name)
            else:
                value = 1 if i == 0 or name == "batch" else crop
            if not value:
                raise Unsized(f"input {inp.name} dim {i} ({name!r}) is symbolic and the manifest has no preprocess crop size")
            d.Clear()
            d.dim_value = value
    return dict(LLM_BINDING) if llm else None


def input_specs(model, binding) -> dict:
    """{name: {shape, dtype[, fill]}} of the (fixed) graph inputs; position_ids hold the past length."""
    specs = {}
    for i in model.graph.input:
        spec = {"shape": [d.dim_value for d in i.type.tensor_type.shape.dim],
                "dtype": ONNX_TYPES.get(i.type.tensor_type.elem_type, "?")}
        if i.name == "position_ids" and binding:
            spec["fill"] = binding["past_sequence_length"]
        specs[i.name] = spec
    return specs


def executed_shapes(inferred, specs) -> dict:
    """Every value's shape from one run in onnxruntime-web (bench/shapes.mjs): all typed intermediates are made
    graph outputs. For graphs whose shapes ONNX shape inference cannot follow."""
    m = onnx.ModelProto()
    m.CopyFrom(inferred)
    have = {o.name for o in m.graph.output}
    for v in m.graph.value_info:
        if v.name not in have and v.type.tensor_type.elem_type:
            out = onnx.helper.make_tensor_value_info(v.name, v.type.tensor_type.elem_type, None)
            m.graph.output.append(out)
    with tempfile.TemporaryDirectory() as tmp:
        mp, ip = Path(tmp) / "model.onnx", Path(tmp) / "inputs.json"
        onnx.save(m, str(mp))
        ip.write_text(json.dumps(specs))
        proc = subprocess.run(["node", str(ROOT / "bench" / "shapes.mjs"), str(mp), str(ip)], cwd=ROOT,
                              capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"bench/shapes.mjs failed: {proc.stderr.strip()[-500:]}")
    return json.loads(proc.stdout)


def shapes_of(model, specs=None):
    """Static shapes (ONNX shape inference); values it leaves unsized are taken from one executed run when
    `specs` (the inputs) are given."""
    inferred = shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    g = inferred.graph
    shapes = {}
    for v in list(g.input) + list(g.value_info) + list(g.output):
        dims = v.type.tensor_type.shape.dim
        if dims and all(d.dim_value > 0 for d in dims):
            shapes[v.name] = [d.dim_value for d in dims]
        elif len(dims) == 0 and v.type.tensor_type.HasField("shape"):
            shapes[v.name] = []
    for t in g.initializer:
        shapes[t.name] = list(t.dims)
    if specs is not None and any(o and o not in shapes for n in g.node for o in n.output):
        for name, dims in executed_shapes(inferred, specs).items():
            shapes.setdefault(name, dims)
    return shapes


def count(model, specs=None):
    shapes = shapes_of(model, specs)
    mac_total = 0
    elem_total = 0
    by_op: dict[str, dict] = {}
    not_counted: dict[str, int] = {}
    layers = []

    def need(name, node):
        if name not in shapes:
            sys.exit(f"no inferred shape for {name!r} (input/output of {node.op_type} {node.name!r})")
        return shapes[name]

    for node in model.graph.node:
        op = node.op_type
        a = attrs(node)
        mac = 0
        elem = 0
        detail = None
        if op == "Conv":
            x, w, y = need(node.input[0], node), need(node.input[1], node), need(node.output[0], node)
            group = a.get("group", 1)
            k = w[2:]
            mac = 2 * prod(y) * (x[1] // group) * prod(k)
            if len(node.input) > 2 and node.input[2]:
                elem = prod(y)
            detail = {"input": x, "output": y, "kernel": k, "strides": a.get("strides", [1] * len(k)), "group": group}
        elif op == "ConvTranspose":
            x, w, y = need(node.input[0], node), need(node.input[1], node), need(node.output[0], node)
            group = a.get("group", 1)
            k = w[2:]
            # every input pixel scatters a (Cout/group) x k window
            mac = 2 * prod(x) * (w[1]) * prod(k)
            if len(node.input) > 2 and node.input[2]:
                elem = prod(y)
            detail = {"input": x, "output": y, "kernel": k, "strides": a.get("strides", [1] * len(k)), "group": group}
        elif op == "MatMul":
            a_s, y = need(node.input[0], node), need(node.output[0], node)
            mac = 2 * prod(y) * a_s[-1]
            detail = {"input": a_s, "output": y}
        elif op == "Gemm":
            a_s, y = need(node.input[0], node), need(node.output[0], node)
            kdim = a_s[0] if a.get("transA", 0) else a_s[1]
            mac = 2 * prod(y) * kdim
            if len(node.input) > 2 and node.input[2]:
                elem = prod(y)
            detail = {"input": a_s, "output": y}
        elif op in ELEMENTWISE_1:
            elem = prod(need(node.output[0], node))
        elif op in ("MaxPool", "AveragePool"):
            elem = prod(need(node.output[0], node)) * prod(a["kernel_shape"])
        elif op == "BatchNormalization":
            elem = 2 * prod(need(node.output[0], node))
        elif op == "Softmax":
            elem = 5 * prod(need(node.output[0], node))
        elif op == "GridSample":
            elem = 8 * prod(need(node.output[0], node))
        else:
            not_counted[op] = not_counted.get(op, 0) + 1
            continue
        entry = by_op.setdefault(op, {"nodes": 0, "macFlops": 0, "elementwiseFlops": 0})
        entry["nodes"] += 1
        entry["macFlops"] += mac
        entry["elementwiseFlops"] += elem
        mac_total += mac
        elem_total += elem
        if detail is not None:
            layers.append({"name": node.name or node.output[0], "op": op, "macFlops": mac, **detail})
    return {"macFlops": mac_total, "elementwiseFlops": elem_total, "byOp": by_op,
            "notCounted": dict(sorted(not_counted.items())), "layers": layers}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 when the JSON is stale; write nothing")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    models = {}
    skipped = {}
    for man_path in sorted(MODELS.glob("*/*/manifest.json")):
        manifest = json.loads(man_path.read_text())
        file = next((f for f in manifest["files"] if f["role"] == "model"), None)
        if file is None:        # a data folder beside the models (the chat lexicon): nothing to count
            continue
        onnx_path = man_path.parent / file["path"]
        if not onnx_path.exists():
            print(f"[flops] {onnx_path.relative_to(ROOT)} is missing; skipped", file=sys.stderr)
            continue
        raw = onnx_path.read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        model = onnx.load_from_string(raw)
        key = f"{manifest['task']}/{manifest['id']}"
        try:
            binding = fix_inputs(model, manifest)
        except Unsized as e:
            skipped[key] = str(e)
            print(f"[flops] {key}: not counted: {e}", file=sys.stderr)
            continue
        inp = model.graph.input[0]
        counted = count(model, input_specs(model, binding))
        models[key] = {"sha256": sha, "input": {"name": inp.name, "shape": [d.dim_value for d in inp.type.tensor_type.shape.dim]},
                       "opset": max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), **counted}
        if binding:
            models[key]["binding"] = binding
            models[key]["inputs"] = input_specs(model, binding)
        print(f"[flops] {key}: {counted['macFlops'] / 1e6:.1f} MFLOP (MAC) + {counted['elementwiseFlops'] / 1e6:.1f} MFLOP "
              f"(elementwise) per inference", file=sys.stderr)
    doc = {"generatedBy": f"bench/flops.py (onnx {onnx.__version__} shape inference)", "rules": RULES, "models": models,
           "uncountedModels": skipped}
    text = json.dumps(doc, indent=1) + "\n"
    old = args.out.read_text() if args.out.exists() else None
    if args.check:
        if old != text:
            print(f"[flops] {args.out.relative_to(ROOT)} is stale: run /usr/bin/python3 bench/flops.py", file=sys.stderr)
            return 1
        print(f"[flops] {args.out.relative_to(ROOT)} is up to date", file=sys.stderr)
        return 0
    if old != text:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        print(f"[flops] wrote {args.out.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
