"""The shared Node parity check (common/parity.mjs, common/parity_lib.mjs): equal outputs pass, and a NaN output fails
whatever the tolerance (a plain running maximum can let a NaN through). Runs onnxruntime-web in Node on a one-node
ONNX graph (Identity), so the model's output is exactly its input: a NaN fed in is a NaN out."""
import json
import math
import shutil
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from common.export import HERE, REPO, run_node_parity, write_parity_files

pytestmark = pytest.mark.skipif(not shutil.which("node") or not (REPO / "node_modules" / "onnxruntime-web").is_dir(),
                                reason="needs node and node_modules/onnxruntime-web (npm install)")


def identity_folder(tmp_path, x: np.ndarray):
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(tmp_path / "model.onnx"))
    # the PyTorch side of a real export; here the reference is the input itself
    return write_parity_files(lambda t: (t,), [("case", x)], tmp_path, "x", ["y"])


def test_equal_outputs_pass(tmp_path):
    identity_folder(tmp_path, np.arange(6, dtype=np.float32).reshape(2, 3))
    assert json.loads((tmp_path / "parity.json").read_text())["cases"][0]["outputs"]["y"]["dims"] == [2, 3]
    rc, diff, per_output = run_node_parity(tmp_path, 1e-3)
    assert rc == 0 and diff == 0.0 and per_output == {"y": 0.0}


def test_nan_output_fails(tmp_path, capsys):
    identity_folder(tmp_path, np.array([[1, float("nan"), 3]], dtype=np.float32))
    rc, diff, per_output = run_node_parity(tmp_path, 1e9)
    assert rc == 1 and math.isnan(diff) and math.isnan(per_output["y"])
    assert "FAIL" in capsys.readouterr().out


def test_compare_guards_nan_infinity_and_length():
    script = ("import('./parity_lib.mjs').then(({ maxAbsDiff: d }) => console.log(JSON.stringify("
              "[d([1, 2], [1, 2.5]), d([1, 2], [NaN, 2]), d([Infinity], [Infinity]), d([1], [Infinity]), d([1, 2], [1])].map(String))))")
    out = subprocess.run(["node", "-e", script], cwd=HERE, capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == ["0.5", "NaN", "NaN", "Infinity", "NaN"]
