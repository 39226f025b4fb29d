"""DF-Net (Cheng et al., MICCAI 2020) on a slim 2D U-Net, and the plain U-Net baseline of the same size.

Tensor conventions: images [B, 1, H, W] (H, W multiples of 16); logits [B, 4, H, W] (bg, RV, MYO, LV);
direction field [B, 2, H, W] with channel 0 = x (along W, to the right) and channel 1 = y (along H, down),
in pixels of the input grid.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_CLASSES = 4


def conv_block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


class UNetBackbone(nn.Module):
    """4 down-sampling levels (channels base, 2base, 4base, 8base, bottleneck 16base); returns the last
    full-resolution decoder feature [B, base, H, W]."""

    def __init__(self, base: int = 16, in_channels: int = 1):
        super().__init__()
        ch = [base * 2 ** i for i in range(5)]
        self.enc = nn.ModuleList([conv_block(in_channels, ch[0])] + [conv_block(ch[i - 1], ch[i]) for i in range(1, 5)])
        self.up = nn.ModuleList([nn.ConvTranspose2d(ch[i], ch[i - 1], 2, stride=2) for i in range(4, 0, -1)])
        self.dec = nn.ModuleList([conv_block(ch[i - 1] * 2, ch[i - 1]) for i in range(4, 0, -1)])
        self.out_channels = ch[0]

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.enc):
            x = block(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        x = skips.pop()
        for up, dec in zip(self.up, self.dec):
            x = dec(torch.cat([skips.pop(), up(x)], dim=1))
        return x


def pixel_grid_like(t: torch.Tensor):
    """(x, y) pixel indices shaped [B, 1, H, W], built from tensor ops only (cumsum of ones) so that the ONNX
    graph stays shape-dynamic without Range/Shape arithmetic."""
    ones = torch.ones_like(t[:, :1])
    return torch.cumsum(ones, dim=3) - 1, torch.cumsum(ones, dim=2) - 1


def shift_features(features: torch.Tensor, df: torch.Tensor, shift_n: int = 1, min_norm: float = 0.5):
    """Sample `features` at p + DF(p) (bilinear, border padding), `shift_n` times.

    DF is in pixels, channel 0 = x, channel 1 = y. Where |DF| <= min_norm the vector is zeroed (no shift).
    grid_sample's grid is (x, y) normalised with align_corners=True: -1 is the centre of pixel 0, +1 the
    centre of pixel W-1, so a shift of d pixels is 2d/(W-1).
    """
    norm = torch.sqrt(df[:, 0:1] ** 2 + df[:, 1:2] ** 2)
    df = df * (norm > min_norm).to(df.dtype)
    px, py = pixel_grid_like(df)
    w1 = px[:, :, :, -1:]            # W - 1
    h1 = py[:, :, -1:, :]            # H - 1
    gx = (px + df[:, 0:1]) * 2 / w1 - 1
    gy = (py + df[:, 1:2]) * 2 / h1 - 1
    grid = torch.cat([gx, gy], dim=1).permute(0, 2, 3, 1)     # [B, H, W, 2] with (x, y) last
    for _ in range(shift_n):
        features = F.grid_sample(features, grid, mode="bilinear", padding_mode="border", align_corners=True)
    return features


class DFNet(nn.Module):
    """U-Net backbone + direction-field head + feature rectification and fusion (FRF) + auxiliary head."""

    def __init__(self, base: int = 16, shift_n: int = 1):
        super().__init__()
        self.backbone = UNetBackbone(base)
        c = self.backbone.out_channels
        self.df_head = nn.Conv2d(c, 2, 1)
        self.aux_head = nn.Conv2d(c, NUM_CLASSES, 1)
        self.fuse = nn.Sequential(nn.Conv2d(2 * c, c, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        self.classifier = nn.Conv2d(c, NUM_CLASSES, 1)
        self.shift_n = shift_n

    def forward(self, x):
        """Returns (logits, df, aux_logits)."""
        feat = self.backbone(x)
        df = self.df_head(feat)
        aux = self.aux_head(feat)
        shifted = shift_features(feat, df, self.shift_n)
        logits = self.classifier(self.fuse(torch.cat([feat, shifted], dim=1)))
        return logits, df, aux


class UNet(nn.Module):
    """The same backbone with a plain 1x1 head (baseline). Returns (logits, None, None)."""

    def __init__(self, base: int = 16):
        super().__init__()
        self.backbone = UNetBackbone(base)
        self.classifier = nn.Conv2d(self.backbone.out_channels, NUM_CLASSES, 1)

    def forward(self, x):
        return self.classifier(self.backbone(x)), None, None


class ExportWrapper(nn.Module):
    """What goes into ONNX: image -> (logits, df)."""

    def __init__(self, model: DFNet):
        super().__init__()
        self.model = model

    def forward(self, image):
        logits, df, _ = self.model(image)
        return logits, df


def unet_from_dfnet(state: dict) -> dict:
    """A DF-Net's weights as the plain U-Net's: the same backbone, and the DF-Net's auxiliary head (a 1x1 conv on the
    same features to the same four classes) as the U-Net's classifier. The ablation that continues from v1 starts
    both models from the same weights this way."""
    out = {k: v for k, v in state.items() if k.startswith("backbone.")}
    out["classifier.weight"], out["classifier.bias"] = state["aux_head.weight"], state["aux_head.bias"]
    return out


def build(arch: str, base: int = 16) -> nn.Module:
    if arch == "dfnet":
        return DFNet(base)
    if arch == "unet":
        return UNet(base)
    raise ValueError(f"unknown arch {arch!r} (dfnet | unet)")


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
