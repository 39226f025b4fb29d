"""The UCADI model-input contract, mirrored from the studio (src/tasks/ct/core/preprocess.ts).

HU clipped to [-1200, 600], (x + 604.23) / 489.42; 16 slices at stride 1 (depth <= 80), 2 (<= 160) or 5;
sampling k of `count` starts at round(k * free / (count - 1)) (one sampling = the central one); trilinear resize
(align_corners=False, no antialiasing) of the picked [n, rows, cols] to [16, 128, 128].
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

HU_MIN, HU_MAX = -1200.0, 600.0
HU_MEAN, HU_STD = -604.23, 489.42
CT_INPUT = (16, 128, 128)


def normalise_hu(hu):
    return (np.clip(hu, HU_MIN, HU_MAX) - HU_MEAN) / HU_STD


def slice_stride(depth: int) -> int:
    return 1 if depth <= 80 else 2 if depth <= 160 else 5


def sample_slice_indices(depth: int, k: int = 0, count: int = 1, slices: int = CT_INPUT[0]) -> list[int]:
    stride = slice_stride(depth)
    positions = math.ceil(depth / stride)
    n = min(slices, positions)
    free = positions - n
    # JS Math.round rounds .5 up; Python's round() is banker's rounding
    start = free // 2 if count <= 1 else int(math.floor(k * free / (count - 1) + 0.5))
    return [(start + j) * stride for j in range(n)]


def resize(volume: np.ndarray | torch.Tensor, size) -> torch.Tensor:
    """Trilinear, align_corners=False, of [D, H, W] (or [B, C, D, H, W]) to `size` = (D, H, W)."""
    t = torch.as_tensor(volume, dtype=torch.float32)
    squeeze = t.dim() == 3
    if squeeze:
        t = t[None, None]
    if tuple(t.shape[2:]) != tuple(size):
        t = F.interpolate(t, size=tuple(size), mode="trilinear", align_corners=False)
    return t[0, 0] if squeeze else t


def to_model_input(hu: np.ndarray, indices, size=CT_INPUT) -> np.ndarray:
    """One sampling of an HU volume [slices, rows, cols] -> float32 [16, 128, 128] (normalised)."""
    picked = normalise_hu(hu[np.asarray(indices)].astype(np.float32))
    return resize(picked, size).numpy()


def mask_to_input(mask: np.ndarray, indices, size=CT_INPUT) -> np.ndarray:
    """A binary mask on the volume grid -> the same sampling on the model grid (trilinear >= 0.5)."""
    picked = mask[np.asarray(indices)].astype(np.float32)
    return (resize(picked, size).numpy() >= 0.5).astype(np.uint8)


def samplings(hu: np.ndarray, count: int, size=CT_INPUT):
    """The studio's `count` evenly spread samplings (duplicates removed): list of (indices, input)."""
    plans = []
    for k in range(count):
        idx = sample_slice_indices(hu.shape[0], k, count)
        if idx not in [p for p, _ in plans]:
            plans.append((idx, to_model_input(hu, idx, size)))
    return plans
