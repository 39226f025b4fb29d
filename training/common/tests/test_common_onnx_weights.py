"""common.onnx_weights: a Conv+BatchNorm pair the exporter folded is rebuilt into a model with the same eval output."""
import io

import numpy as np
import torch

from common.onnx_weights import folded_convs, named_weights, pass_through_bn, read_graph


class Wrapper(torch.nn.Module):
    """The export wrappers' layout: the network under `model.` (so its own parameters keep their names)."""

    def __init__(self, net):
        super().__init__()
        self.model = net

    def forward(self, x):
        return self.model(x)


def _net():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1, bias=False), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                              torch.nn.Conv2d(4, 2, 1))
    with torch.no_grad():     # BatchNorm statistics that are not the identity, so the folding changes the weights
        net[1].running_mean.uniform_(-1, 1)
        net[1].running_var.uniform_(0.5, 2)
        net[1].weight.uniform_(0.5, 2)
        net[1].bias.uniform_(-1, 1)
    return net.eval()


def test_a_folded_pair_is_rebuilt_with_the_same_output(tmp_path):
    net = _net()
    path = tmp_path / "m.onnx"
    torch.onnx.export(Wrapper(net).eval(), torch.zeros(1, 1, 8, 8), str(path), opset_version=17, input_names=["x"],
                      do_constant_folding=True)
    graph, inits = read_graph(path)
    folded = folded_convs(graph, inits)
    assert len(folded) == 1                                   # the first Conv; the second keeps its named weights
    assert set(named_weights(inits)) == {"3.weight", "3.bias"}
    rebuilt = _net()
    state = rebuilt.state_dict()
    state.update({k: torch.from_numpy(v) for k, v in named_weights(inits).items()})
    w, b = folded[0]
    state["0.weight"] = torch.from_numpy(w)
    state.update({f"1.{k}": torch.from_numpy(v) for k, v in pass_through_bn(4, rebuilt[1].eps, b).items()})
    rebuilt.load_state_dict(state)
    x = torch.randn(2, 1, 8, 8)
    with torch.no_grad():
        assert torch.allclose(rebuilt.eval()(x), net(x), atol=1e-5)


def test_a_pass_through_batchnorm_adds_only_its_bias():
    bn = torch.nn.BatchNorm1d(3).eval()
    bias = np.array([0.5, -1.0, 2.0], np.float32)
    bn.load_state_dict({**bn.state_dict(), **{k: torch.from_numpy(v) for k, v in pass_through_bn(3, bn.eps, bias).items()}})
    x = torch.randn(5, 3)
    with torch.no_grad():
        assert torch.allclose(bn(x), x + torch.from_numpy(bias), atol=1e-6)
