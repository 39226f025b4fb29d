"""UCADI 3D DenseNet: size, strict load of the real checkpoint, CAM contract."""
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from ct.densenet3d import (DenseNet3D, ExportWrapper, class_activation_maps, count_macs, count_parameters, load_ucadi,
                           network_size)

REAL = Path(__file__).resolve().parents[4] / "shared" / "ucadi" / "weight_v126.pth"


def test_size_and_channels():
    m = DenseNet3D()
    assert count_parameters(m) == 726_972
    assert sum(t.numel() for t in m.state_dict().values()) == 729_980   # + BN running stats, as upstream counts
    assert len(m.state_dict()) == 112
    assert m.classifier.in_features == 120
    macs = count_macs(m)
    assert 70e9 < macs["macs"] < 73e9                                    # ~143 GFLOP per 16x128x128 volume
    assert macs["macsPerModule"]["block1_layer1"] + macs["macsPerModule"]["block1_layer2"] > 0.8 * macs["macs"]


@pytest.mark.skipif(not REAL.exists(), reason="real UCADI checkpoint absent")
def test_strict_load_of_real_checkpoint():
    sd = torch.load(str(REAL), map_location="cpu")
    assert len(sd) == 112 and all(k.startswith("module.") for k in sd)
    m = load_ucadi(REAL)                                                 # strict=True inside
    for k, v in m.state_dict().items():
        assert torch.equal(v, sd["module." + k]), k
    with torch.no_grad():
        out = m(torch.zeros(1, 1, 8, 32, 32))
    assert out.shape == (1, 4) and torch.isfinite(out).all()


def test_dropblock_only_in_training():
    torch.manual_seed(0)
    m = DenseNet3D(drop_prob=0.5).eval()
    x = torch.randn(1, 1, 8, 32, 32)
    with torch.no_grad():
        assert torch.equal(m(x), m(x))


def test_cam_contract_shape():
    torch.manual_seed(0)
    w = ExportWrapper(DenseNet3D().eval()).eval()
    with torch.no_grad():
        logits, cam = w(torch.randn(2, 1, 16, 128, 128))
    assert logits.shape == (2, 4) and cam.shape == (2, 4, 16, 128, 128)
    assert cam.min() >= 0 and cam.max() <= 1 + 1e-6
    peaks = cam.flatten(2).amax(2)
    assert torch.all((peaks > 0.999) | (peaks == 0))


def test_cam_of_a_one_channel_classifier_is_that_channel_upsampled():
    torch.manual_seed(1)
    m = DenseNet3D().eval()
    k = 17
    with torch.no_grad():
        m.classifier.weight.zero_()
        m.classifier.weight[2, k] = 1.0                                 # class 2 looks at channel k only
        m.classifier.weight[0, k + 1] = 2.5                             # class 0 at channel k+1, scaled
        x = torch.randn(1, 1, 8, 32, 48)
        f = m.forward_features(x)
        logits, cam = ExportWrapper(m, normalize_cam=False)(x)
        up = F.interpolate(F.relu(f[:, k:k + 1]), size=(8, 32, 48), mode="trilinear", align_corners=False)
        assert torch.allclose(cam[:, 2:3], up, atol=1e-6)
        up0 = F.interpolate(F.relu(2.5 * f[:, k + 1:k + 2]), size=(8, 32, 48), mode="trilinear", align_corners=False)
        assert torch.allclose(cam[:, 0:1], up0, atol=1e-5)
        assert torch.count_nonzero(cam[:, 1]) == 0
        norm = class_activation_maps(f, m.classifier.weight, (8, 32, 48), normalize=True)
        assert torch.allclose(norm[:, 2:3], up / (up.max() + 1e-6), atol=1e-6)
        # logits are the global average of the un-normalised, pre-ReLU map plus bias
        assert torch.allclose(logits[0, 2], f[0, k].mean() + m.classifier.bias[2], atol=1e-5)


def test_in_plane_front_end_runs_the_network_at_the_training_size():
    """ExportWrapper(in_plane=n) = the network on the input resized like ct.federated's training (to_size), with the
    CAM on the input grid; for a factor of 2 that resize is exactly 2x2 average pooling."""
    from ct.federated import to_size

    torch.manual_seed(2)
    m = DenseNet3D().eval()
    x = torch.randn(2, 1, 8, 32, 32)
    with torch.no_grad():
        logits, cam = ExportWrapper(m, normalize_cam=False, in_plane=16)(x)
        assert cam.shape == (2, 4, 8, 32, 32)
        assert torch.allclose(logits, m(to_size(x, 16)), atol=1e-5)
        assert torch.allclose(logits, m(F.avg_pool3d(x, (1, 2, 2))), atol=1e-5)
        f = m.forward_features(to_size(x, 16))
        assert torch.allclose(cam, class_activation_maps(f, m.classifier.weight, (8, 32, 32), normalize=False), atol=1e-5)
    assert network_size({"trainedAt": [48]}) == 48
    assert network_size({"trainedAt": [128]}) is None and network_size({}) is None
