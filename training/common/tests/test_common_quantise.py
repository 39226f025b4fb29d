"""common.quantise: symmetric per-channel int8 weights behind DequantizeLinear, the rest of the graph unchanged."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from common.quantise import quantise_model, quantise_weight


def test_per_channel_rounding_is_within_half_a_step_and_keeps_zero_channels():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(64, 32)).astype(np.float32)
    w[:, 3] = 0
    q, scale = quantise_weight(w, axis=1)
    assert q.dtype == np.int8 and scale.shape == (32,)
    assert np.abs(q).max() == 127                                   # each non-zero column uses the full range
    assert np.all(np.abs(q * scale - w) <= scale / 2 + 1e-7)
    assert np.all(q[:, 3] == 0) and scale[3] == 1.0


def _matmul_gather_model(w: np.ndarray, table: np.ndarray) -> onnx.ModelProto:
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "ids"], ["emb"], axis=0), helper.make_node("MatMul", ["emb", "w"], ["y"])],
        "g", [helper.make_tensor_value_info("ids", TensorProto.INT64, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, w.shape[1]])],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(w, "w")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run(model: onnx.ModelProto, ids: np.ndarray) -> np.ndarray:
    """A tiny reference evaluator for the three ops involved (no onnxruntime in Python here)."""
    values = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    values["ids"] = ids
    for n in model.graph.node:
        if n.op_type == "DequantizeLinear":
            q, s = values[n.input[0]], values[n.input[1]]
            axis = next(a.i for a in n.attribute if a.name == "axis")
            shape = [1] * q.ndim
            shape[axis] = -1
            values[n.output[0]] = q.astype(np.float32) * s.reshape(shape)
        elif n.op_type == "Gather":
            values[n.output[0]] = values[n.input[0]][values[n.input[1]]]
        elif n.op_type == "MatMul":
            values[n.output[0]] = values[n.input[0]] @ values[n.input[1]]
    return values["y"]


def test_the_model_keeps_its_function_within_the_rounding():
    rng = np.random.default_rng(1)
    w, table = rng.normal(size=(64, 48)).astype(np.float32), rng.normal(size=(40, 64)).astype(np.float32)
    model = _matmul_gather_model(w, table)
    ids = np.array([0, 7, 39])
    before = _run(model, ids)
    facts = quantise_model(model)
    assert facts["weights"] == 2 and facts["parameters"] == w.size + table.size
    kinds = {i.name: i.data_type for i in model.graph.initializer}
    assert kinds["w_int8"] == TensorProto.INT8 and kinds["table_int8"] == TensorProto.INT8 and "w" not in kinds
    assert [n.op_type for n in model.graph.node][:2] == ["DequantizeLinear", "DequantizeLinear"]
    after = _run(model, ids)
    assert np.abs(after - before).max() < 0.05 * np.abs(before).max()


def test_small_constants_stay_float32():
    model = _matmul_gather_model(np.ones((4, 4), np.float32), np.ones((3, 4), np.float32))
    assert quantise_model(model)["weights"] == 0
