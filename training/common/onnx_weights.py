"""Weights of an exported model read back from its ONNX graph (shared by mri.from_onnx and ct.eval_shipped).

ONNX Runtime's exporter folds every BatchNorm that follows a convolution into that convolution: the Conv node then
takes anonymous initializers (the folded weight W' and bias b') instead of the module's named parameters (exported
under the wrapper's `model.` prefix). Putting W' back into the convolution and making the BatchNorm pass its input
through (weight 1, running mean 0, running variance 1 - eps, so (y - 0) / sqrt(1 - eps + eps) * 1 = y) plus b'
rebuilds a PyTorch model whose eval-mode function equals the graph's.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import numpy_helper

from .pool_as_conv import MEAN_KERNEL

PREFIX = "model."


def read_graph(path) -> tuple[onnx.GraphProto, dict[str, np.ndarray]]:
    """The graph and its initializers by name (copies, writable)."""
    graph = onnx.load(str(path)).graph
    return graph, {i.name: numpy_helper.to_array(i).copy() for i in graph.initializer}


def named_weights(inits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The module parameters exported under their own names, keyed as in the unwrapped model's state dict."""
    return {k[len(PREFIX):]: v for k, v in inits.items() if k.startswith(PREFIX)}


def folded_convs(graph: onnx.GraphProto, inits: dict[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """(W', b' or None) of every Conv node whose weight is an anonymous initializer, in graph order (not the fixed
    averaging kernels of pools written as Conv by common/pool_as_conv.py)."""
    return [(inits[n.input[1]], inits[n.input[2]] if len(n.input) > 2 else None)
            for n in graph.node if n.op_type == "Conv" and n.input[1] in inits and not n.input[1].startswith(PREFIX)
            and not n.input[1].endswith(MEAN_KERNEL)]


def pass_through_bn(channels: int, eps: float, bias: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """State of a BatchNorm that, in eval mode, adds `bias` (or nothing) to its input: keys weight, bias,
    running_mean, running_var."""
    return {"weight": np.ones(channels, np.float32),
            "bias": (bias if bias is not None else np.zeros(channels)).astype(np.float32),
            "running_mean": np.zeros(channels, np.float32),
            "running_var": np.full(channels, 1.0 - eps, np.float32)}
