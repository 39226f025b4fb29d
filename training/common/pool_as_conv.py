"""Rewrite 3D AveragePool nodes of an ONNX graph so that onnxruntime-web's WebGPU provider can run it (CLI).

The WebGPU provider runs Conv in 3D but not AveragePool ("Pooling with kernelShape.length > 2 is not supported for
NHWC format"). A 3D average pool with kernel k, stride k, no padding equals a single-channel Conv3d with a fixed
kernel of 1 / (k0 k1 k2) applied to every channel on its own, so each such node becomes

    Reshape [N, C, D, H, W] -> [N*C, 1, D, H, W]  ->  Conv (weight 1/(k0 k1 k2), strides k)  ->  Reshape -> [N, C, D', H', W']

(Reshape's 0 copies D, H and W, -1 infers the batch; C comes from the Conv that feeds the pool). Same values up to the
order of the 8 additions; other pools are left as they are.

    /usr/bin/python3 -m common.pool_as_conv public/models/ct/ucadi-densenet/model.onnx [more.onnx ...]

A rewritten file's entry in the manifest.json beside it (bytes, SHA-256) is brought up to date.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper


# The name ending of the fixed kernels this writes (common/onnx_weights.py leaves those convolutions out).
MEAN_KERNEL = "_mean_kernel"


def _attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _constant(graph, name: str) -> np.ndarray:
    """The value of an initializer or Constant node output."""
    for i in graph.initializer:
        if i.name == name:
            return numpy_helper.to_array(i)
    for n in graph.node:
        if n.op_type == "Constant" and n.output[0] == name:
            return numpy_helper.to_array(_attr(n, "value"))
    raise ValueError(f"{name} is not a constant")


def _channels(graph, tensor: str) -> int:
    """Output channels of the Conv that produces `tensor` (its weight an initializer, or a DequantizeLinear of one)."""
    producers = {o: n for n in graph.node for o in n.output}
    inits = {i.name: i for i in graph.initializer}
    node = producers.get(tensor)
    while node is not None and node.op_type == "Pad" and not _constant(graph, node.input[1]).any():
        node = producers.get(node.input[0])   # PyTorch exports AvgPool3d behind an all-zero Pad
    if node is None or node.op_type != "Conv":
        raise ValueError(f"the pool input {tensor} is not produced by a Conv ({node.op_type if node else 'graph input'})")
    weight = node.input[1]
    if weight not in inits and weight in producers and producers[weight].op_type == "DequantizeLinear":
        weight = producers[weight].input[0]
    if weight not in inits:
        raise ValueError(f"the Conv weight {weight} is not an initializer")
    return int(inits[weight].dims[0])


def rewrite(model: onnx.ModelProto) -> int:
    """Replaces every 3D AveragePool (kernel == strides, no padding) in place; returns how many."""
    g = model.graph
    done = 0
    nodes = []
    for node in g.node:
        kernel = _attr(node, "kernel_shape")
        if node.op_type != "AveragePool" or kernel is None or len(kernel) != 3:
            nodes.append(node)
            continue
        strides = list(_attr(node, "strides", [1, 1, 1]))
        pads = list(_attr(node, "pads", [0] * 6))
        if list(kernel) != strides or any(pads) or _attr(node, "ceil_mode", 0):
            raise ValueError(f"{node.name}: only kernel == strides without padding is rewritten (kernel {kernel}, strides {strides}, pads {pads})")
        c = _channels(g, node.input[0])
        base = (node.name or node.output[0]).strip("/").replace("/", "_")
        flat_shape, back_shape, weight = f"{base}_flat_shape", f"{base}_back_shape", f"{base}{MEAN_KERNEL}"
        g.initializer.extend([
            numpy_helper.from_array(np.array([-1, 1, 0, 0, 0], np.int64), flat_shape),
            numpy_helper.from_array(np.array([-1, c, 0, 0, 0], np.int64), back_shape),
            numpy_helper.from_array(np.full((1, 1, *kernel), 1.0 / float(np.prod(kernel)), np.float32), weight),
        ])
        flat, pooled = f"{base}_flat", f"{base}_pooled"
        nodes += [
            helper.make_node("Reshape", [node.input[0], flat_shape], [flat], name=f"{base}_flatten"),
            helper.make_node("Conv", [flat, weight], [pooled], name=f"{base}_as_conv", kernel_shape=list(kernel), strides=strides),
            helper.make_node("Reshape", [pooled, back_shape], [node.output[0]], name=f"{base}_unflatten"),
        ]
        done += 1
    del g.node[:]
    g.node.extend(nodes)
    return done


def rewrite_file(path: Path) -> int:
    """Rewrites `path` in place (when it has such pools) and its manifest.json entry, if there is one."""
    from .export import sha256   # here, not at the top: common.export imports torch, which the rewrite does not need

    model = onnx.load(str(path))
    n = rewrite(model)
    if n:
        onnx.checker.check_model(model)
        onnx.save(model, str(path))
        manifest_path = path.parent / "manifest.json"
        if manifest_path.exists():
            manifest = json.loads(manifest_path.read_text())
            for f in manifest["files"]:
                if f["path"] == path.name:
                    f.update(bytes=path.stat().st_size, sha256=sha256(path))
            manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", type=Path)
    args = ap.parse_args(argv)
    for p in args.models:
        print(f"{p}: {rewrite_file(p)} AveragePool node(s) rewritten as Conv")


if __name__ == "__main__":
    main()
