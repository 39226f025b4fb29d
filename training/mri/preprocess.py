"""The model-input contract, in one place (the browser side implements the same steps).

A short-axis slice [rows, cols] with pixel spacing (row_mm, col_mm) is resampled bilinearly to 1.5 mm/px and
centre-cropped/zero-padded to 128x128 (192 mm field of view), then z-scored over the crop (std floor 1e-6).

Centre convention: the centre of the input (continuous pixel coordinate ((rows-1)/2, (cols-1)/2)) maps onto
the centre of the crop ((128-1)/2, (128-1)/2); model pixel (i, j) samples the input at
    row = (rows-1)/2 + (i - 63.5) * 1.5 / row_mm,   col = (cols-1)/2 + (j - 63.5) * 1.5 / col_mm.
Samples that fall outside the input are 0 (before the z-score).
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

SPACING_MM = 1.5
CROP = 128
STD_FLOOR = 1e-6


def _coords(out_shape, in_shape, spacing_in, spacing_out):
    i = np.arange(out_shape[0], dtype=np.float64)
    j = np.arange(out_shape[1], dtype=np.float64)
    rows = (in_shape[0] - 1) / 2 + (i - (out_shape[0] - 1) / 2) * spacing_out / spacing_in[0]
    cols = (in_shape[1] - 1) / 2 + (j - (out_shape[1] - 1) / 2) * spacing_out / spacing_in[1]
    return np.meshgrid(rows, cols, indexing="ij")


def resample_to_model_grid(image, spacing_rc, *, order=1, crop=CROP):
    """Slice [rows, cols] at spacing (row_mm, col_mm) -> [crop, crop] at 1.5 mm/px (no normalisation)."""
    r, c = _coords((crop, crop), image.shape, spacing_rc, SPACING_MM)
    return ndimage.map_coordinates(np.asarray(image, np.float32), [r, c], order=order, mode="constant", cval=0.0,
                                   prefilter=False)


def zscore(x):
    x = np.asarray(x, np.float32)
    return (x - x.mean()) / max(float(x.std()), STD_FLOOR)


def to_model_input(image, spacing_rc, crop=CROP):
    """The full contract: resample, crop/pad, z-score. Returns float32 [crop, crop]."""
    return zscore(resample_to_model_grid(image, spacing_rc, crop=crop))


def from_model_grid(scores, out_shape, spacing_rc, crop=CROP):
    """Map per-class scores [C, crop, crop] back to a native grid [C, rows, cols] (bilinear, outside = -inf
    for class > 0 so that argmax gives background there)."""
    i = np.arange(out_shape[0], dtype=np.float64)
    j = np.arange(out_shape[1], dtype=np.float64)
    mi = (crop - 1) / 2 + (i - (out_shape[0] - 1) / 2) * spacing_rc[0] / SPACING_MM
    mj = (crop - 1) / 2 + (j - (out_shape[1] - 1) / 2) * spacing_rc[1] / SPACING_MM
    R, C = np.meshgrid(mi, mj, indexing="ij")
    out = np.stack([ndimage.map_coordinates(s.astype(np.float32), [R, C], order=1, mode="nearest", prefilter=False)
                    for s in scores])
    outside = (R < -0.5) | (R > crop - 0.5) | (C < -0.5) | (C > crop - 0.5)
    out[0][outside] = 1e9
    return out
