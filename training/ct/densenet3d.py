"""UCADI 3D DenseNet (Bai et al., Nature Machine Intelligence 2021) and its class activation maps.

Layer names and shapes follow the reference implementation so that a real UCADI state_dict (keys prefixed
`module.` by DataParallel) loads with `strict=True` once the prefix is stripped:

    features.init_conv        Conv3d(1 -> 32, 3^3, pad 1, bias) + init_norm BN(32) + LeakyReLU(0.1)
    features.drop_block       DropBlock3D (training only, no parameters)
    features.block{b}_layer{l} dense layer: BN, LReLU, 1^3 conv -> 128 (bias), BN, LReLU, 3^3 conv -> 32 (bias),
                              output = concat(input, new 32 channels)
    features.transition{1,2}  BN, LReLU, 1^3 conv halving the channels (bias), AvgPool3d(2)
    features.transition3      BN, LReLU (final norm; no conv, no pool)
    classifier                Linear(120 -> 4) after global average pooling
    channels 32 -> 96 -> 48 -> 112 -> 56 -> 120; 729,980 parameters.

Input [B, 1, 16, 128, 128] (HU clipped to [-1200, 600], (x + 604.23) / 489.42); the network is fully
convolutional with global pooling, so other sizes divisible by 4 also run. Classes: 0 healthy, 1 COVID-19,
2 other viral pneumonia, 3 bacterial pneumonia.
"""
from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

LABELS = ["healthy", "covid19", "viral", "bacterial"]
GROWTH = 32
BOTTLENECK = 4 * GROWTH
INIT_CHANNELS = 32
LAYERS_PER_BLOCK = (2, 2, 2)
SLOPE = 0.1


def _act() -> nn.Module:
    return nn.LeakyReLU(SLOPE, inplace=True)


class DropBlock3D(nn.Module):
    """DropBlock (Ghiasi et al. 2018) for 5-D tensors: drops cubes of `block_size` voxels, identity in eval."""

    def __init__(self, drop_prob: float = 0.1, block_size: int = 5):
        super().__init__()
        self.drop_prob = drop_prob
        self.block_size = block_size

    def forward(self, x):
        if not self.training or self.drop_prob <= 0:
            return x
        gamma = self.drop_prob / self.block_size ** 3
        seeds = (torch.rand_like(x[:, :1] if x.shape[1] == 0 else x) < gamma).to(x.dtype)
        mask = 1 - F.max_pool3d(seeds, self.block_size, stride=1, padding=self.block_size // 2)
        mask = mask[..., : x.shape[2], : x.shape[3], : x.shape[4]]
        keep = mask.mean().clamp_min(1e-6)
        return x * mask / keep


class DenseLayer(nn.Sequential):
    def __init__(self, in_channels: int):
        super().__init__(OrderedDict([
            ("norm_1", nn.BatchNorm3d(in_channels)),
            ("act_1", _act()),
            ("conv_1", nn.Conv3d(in_channels, BOTTLENECK, 1, bias=True)),
            ("norm_2", nn.BatchNorm3d(BOTTLENECK)),
            ("act_2", _act()),
            ("conv_2", nn.Conv3d(BOTTLENECK, GROWTH, 3, padding=1, bias=True)),
        ]))
        self.out_channels = in_channels + GROWTH

    def forward(self, x):
        return torch.cat([x, super().forward(x)], 1)


class Transition(nn.Sequential):
    def __init__(self, in_channels: int, last: bool):
        layers = [("norm", nn.BatchNorm3d(in_channels)), ("act", _act())]
        self.out_channels = in_channels
        if not last:
            layers += [("conv", nn.Conv3d(in_channels, in_channels // 2, 1, bias=True)), ("pool", nn.AvgPool3d(2))]
        super().__init__(OrderedDict(layers))
        if not last:
            self.out_channels = in_channels // 2


class DenseNet3D(nn.Module):
    def __init__(self, num_classes: int = 4, drop_prob: float = 0.1, final_drop_prob: float = 0.0):
        super().__init__()
        f = nn.Sequential()
        f.add_module("init_conv", nn.Conv3d(1, INIT_CHANNELS, 3, padding=1, bias=True))
        f.add_module("init_norm", nn.BatchNorm3d(INIT_CHANNELS))
        f.add_module("init_act", _act())
        f.add_module("drop_block", DropBlock3D(drop_prob, 5))
        c = INIT_CHANNELS
        for b, n in enumerate(LAYERS_PER_BLOCK, start=1):
            for l in range(1, n + 1):
                layer = DenseLayer(c)
                f.add_module(f"block{b}_layer{l}", layer)
                c = layer.out_channels
            t = Transition(c, last=b == len(LAYERS_PER_BLOCK))
            f.add_module(f"transition{b}", t)
            c = t.out_channels
        self.features = f
        self.final_drop = DropBlock3D(final_drop_prob, 3)
        self.classifier = nn.Linear(c, num_classes)
        self.num_features = c
        initialize(self)

    def forward_features(self, x):
        return self.final_drop(self.features(x))

    def forward(self, x):
        return self.classifier(F.adaptive_avg_pool3d(self.forward_features(x), 1).flatten(1))


def initialize(model: nn.Module):
    """Kaiming-uniform (fan-in) convolutions and classifier, zero classifier bias (as the reference code)."""
    for m in model.modules():
        if isinstance(m, nn.Conv3d):
            nn.init.kaiming_uniform_(m.weight, mode="fan_in")
        elif isinstance(m, nn.Linear):
            nn.init.kaiming_uniform_(m.weight, mode="fan_in")
            nn.init.zeros_(m.bias)


def class_activation_maps(features, classifier_weight, out_size, normalize: bool = True):
    """CAM of every class: ReLU(sum_k w_ck f_k), trilinear upsampling to `out_size` (align_corners=False),
    optionally divided by its per-sample, per-class maximum (so each map lies in [0, 1])."""
    cam = F.conv3d(features, classifier_weight[:, :, None, None, None])   # sum_k w_ck f_k (a 1^3 convolution)
    cam = F.interpolate(F.relu(cam), size=[int(s) for s in out_size], mode="trilinear", align_corners=False)
    if normalize:
        peak = cam.flatten(2).amax(2)[..., None, None, None]
        cam = cam / (peak + 1e-6)
    return cam


class ExportWrapper(nn.Module):
    """(volume) -> (logits [B,4], cam [B,4,D,H,W] each class map normalised to [0,1] per sample).

    `in_plane` (e.g. 48): the network runs on the volume trilinearly resized in-plane to in_plane x in_plane
    (align_corners=False, the resize `ct.federated` trains with), the CAM is still upsampled to the input grid. It
    keeps the 16x128x128 contract for a model trained at a reduced in-plane size (a compute decision: 143 GFLOP
    per inference at 128 is beyond a CPU training budget); None runs the network at the input size (real UCADI
    checkpoints)."""

    def __init__(self, model: DenseNet3D, normalize_cam: bool = True, in_plane: int | None = None):
        super().__init__()
        self.model = model
        self.normalize_cam = normalize_cam
        self.in_plane = in_plane

    def forward(self, volume):
        x = volume
        if self.in_plane is not None:
            x = F.interpolate(x, size=(int(volume.shape[2]), self.in_plane, self.in_plane), mode="trilinear",
                              align_corners=False)
        f = self.model.forward_features(x)
        logits = self.model.classifier(f.mean(dim=(2, 3, 4)))
        cam = class_activation_maps(f, self.model.classifier.weight, volume.shape[2:], self.normalize_cam)
        return logits, cam


def network_size(checkpoint: dict) -> int | None:
    """The in-plane size a ct.federated checkpoint was trained at (None when 128, the contract size, or unknown)."""
    sizes = checkpoint.get("trainedAt") or [128]
    size = int(sizes[0])
    return None if size == 128 else size


def strip_module_prefix(state_dict):
    return OrderedDict((k[len("module."):] if k.startswith("module.") else k, v) for k, v in state_dict.items())


def load_ucadi(path: str | Path, map_location="cpu") -> DenseNet3D:
    """A real UCADI checkpoint (plain state_dict, `module.` prefix) -> DenseNet3D, strict key match."""
    sd = torch.load(str(path), map_location=map_location)
    if isinstance(sd, dict) and "state_dict" in sd and not any(k.endswith(".weight") for k in sd):
        sd = sd["state_dict"]
    model = DenseNet3D()
    model.load_state_dict(strip_module_prefix(sd), strict=True)
    return model.eval()


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(model: DenseNet3D, shape=(1, 1, 16, 128, 128)) -> dict:
    """Multiply-accumulates of one inference, per top-level feature module (convolutions + classifier; BN, activations
    and pooling add < 1 % and are counted as one op per element in `elementwise`)."""
    per = OrderedDict()
    elementwise = 0
    hooks = []

    def conv_hook(name):
        def h(m, inp, out):
            k = m.weight[0].numel()  # in/groups * kd * kh * kw
            per[name] = per.get(name, 0) + out.numel() // out.shape[0] * k
        return h

    def elem_hook(m, inp, out):
        nonlocal elementwise
        elementwise += out.numel() // out.shape[0]

    for top, mod in model.features.named_children():
        for sub in mod.modules():
            if isinstance(sub, nn.Conv3d):
                hooks.append(sub.register_forward_hook(conv_hook(top)))
            elif isinstance(sub, (nn.BatchNorm3d, nn.LeakyReLU, nn.AvgPool3d)):
                hooks.append(sub.register_forward_hook(elem_hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(shape))
    model.train(was_training)
    for h in hooks:
        h.remove()
    per["classifier"] = model.classifier.weight.numel()
    total = sum(per.values())
    return {"macsPerModule": dict(per), "macs": total, "flops": 2 * total, "elementwiseOps": elementwise,
            "inputShape": list(shape)}


if __name__ == "__main__":
    import json

    m = DenseNet3D()
    info = count_macs(m)
    print(json.dumps({"params": count_parameters(m), **info}, indent=1))
