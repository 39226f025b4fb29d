"""common/pool_as_conv.py: a network with 3D average pools (behind PyTorch's all-zero Pad, as exported) comes out with
Reshape + Conv + Reshape in their place, no AveragePool left, and the PyTorch outputs in onnxruntime-web (Node parity)
for batches of 1 and 2; the manifest beside the file gets the new size and SHA-256; other pools are refused."""
import json
import shutil

import numpy as np
import onnx
import pytest
import torch
from onnx import helper

from common.export import REPO, run_node_parity, sha256, write_parity_files
from common.pool_as_conv import rewrite, rewrite_file

node_ok = shutil.which("node") and (REPO / "node_modules" / "onnxruntime-web").is_dir()


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Conv3d(1, 3, 1)
        self.b = torch.nn.Conv3d(3, 5, 3, padding=1)

    def forward(self, x):
        x = torch.nn.functional.avg_pool3d(self.a(x), 2)
        return torch.nn.functional.avg_pool3d(self.b(x), 2).mean(dim=(2, 3, 4))


def export(tmp_path):
    torch.manual_seed(0)
    net = Net().eval()
    path = tmp_path / "model.onnx"
    torch.onnx.export(net, torch.zeros(1, 1, 8, 12, 16), str(path), opset_version=17, input_names=["x"],
                      output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
    return net, path


def test_pools_become_convs_with_the_same_outputs(tmp_path):
    net, path = export(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"files": [{"path": "model.onnx", "bytes": 0, "sha256": ""}]}))
    assert [n.op_type for n in onnx.load(str(path)).graph.node].count("AveragePool") == 2
    assert rewrite_file(path) == 2
    model = onnx.load(str(path))
    ops = [n.op_type for n in model.graph.node]
    assert "AveragePool" not in ops and ops.count("Conv") == 4 and ops.count("Reshape") == 4
    entry = json.loads((tmp_path / "manifest.json").read_text())["files"][0]
    assert entry == {"path": "model.onnx", "bytes": path.stat().st_size, "sha256": sha256(path)}
    assert rewrite_file(path) == 0   # nothing left to rewrite: the file is not touched again
    if not node_ok:
        pytest.skip("needs node and node_modules/onnxruntime-web (npm install)")
    rng = np.random.default_rng(1)
    cases = [(f"batch{n}", rng.standard_normal((n, 1, 8, 12, 16)).astype(np.float32)) for n in (1, 2)]
    write_parity_files(lambda t: (net(t),), cases, tmp_path, "x", ["y"])
    rc, diff, _ = run_node_parity(tmp_path, 1e-5)
    assert rc == 0, f"max abs diff {diff}"


def test_only_non_overlapping_unpadded_pools(tmp_path):
    g = helper.make_graph([helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3, 3], strides=[1, 1, 1])], "g",
                          [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 1, 4, 4, 4])],
                          [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 1, 2, 2, 2])])
    with pytest.raises(ValueError, match="kernel == strides"):
        rewrite(helper.make_model(g))
