"""Weighted FedAvg on hand-made tensors, plain and through Paillier."""
import pytest
import torch

from ct.fedavg import fedavg, flatten_floats, secure_fedavg, unflatten_floats


def states():
    a = {"w": torch.tensor([1.0, 2.0, -4.0]), "bn.running_var": torch.tensor([[1.0], [3.0]]),
         "bn.num_batches_tracked": torch.tensor(3)}
    b = {"w": torch.tensor([3.0, 6.0, 0.0]), "bn.running_var": torch.tensor([[5.0], [7.0]]),
         "bn.num_batches_tracked": torch.tensor(5)}
    return [a, b]


def test_weighted_by_data_size():
    out = fedavg(states(), [1, 3])
    assert torch.allclose(out["w"], torch.tensor([2.5, 5.0, -1.0]))
    assert torch.allclose(out["bn.running_var"], torch.tensor([[4.0], [6.0]]))
    assert out["bn.num_batches_tracked"].item() == 5            # integer buffers: max
    assert out["w"].dtype == torch.float32


def test_equal_weights_is_the_mean_and_zero_weight_is_ignored():
    s = states()
    assert torch.allclose(fedavg(s, [7, 7])["w"], torch.tensor([2.0, 4.0, -2.0]))
    assert torch.allclose(fedavg(s, [0, 2])["w"], s[1]["w"])
    assert torch.allclose(fedavg(s[:1], [10])["w"], s[0]["w"])


def test_rejects_bad_weights():
    with pytest.raises(ValueError):
        fedavg(states(), [1])
    with pytest.raises(ValueError):
        fedavg(states(), [0, 0])
    with pytest.raises(ValueError):
        fedavg(states(), [-1, 2])


def test_flatten_roundtrip():
    s = states()[0]
    vec, keys = flatten_floats(s)
    back = unflatten_floats(vec, keys, s)
    for k in s:
        assert torch.equal(back[k], s[k])


def test_secure_fedavg_matches_plain():
    s = states()
    plain = fedavg(s, [1, 3])
    secure, facts = secure_fedavg(s, [1, 3], key_bits=128, seed=5)
    for k in plain:
        assert torch.allclose(secure[k].double(), plain[k].double(), atol=2 ** -24), k
    assert facts["values"] == 5 and facts["keyBits"] == 128
    with pytest.raises(ValueError):
        secure_fedavg(s, [1.5, 2])
