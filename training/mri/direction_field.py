"""Ground-truth direction field (DF) from a label map.

For every pixel p inside a label region (classes 1..3), q is the nearest pixel outside that region
(Euclidean distance transform with indices) and DF(p) = (p - q) / |p - q|: a unit vector pointing away from
the nearest boundary, into the region. Background pixels get 0.

Layout: [2, H, W] float32, channel 0 = x (column, to the right), channel 1 = y (row, down), in pixels.
Regions touching the image border treat the border as inside (the nearest outside pixel is searched inside
the image only).
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage


def direction_field(label: np.ndarray, classes=(1, 2, 3)) -> np.ndarray:
    label = np.asarray(label)
    df = np.zeros((2,) + label.shape, np.float32)
    for c in classes:
        mask = label == c
        if not mask.any() or mask.all():
            continue
        _, (qr, qc) = ndimage.distance_transform_edt(mask, return_indices=True)
        rows, cols = np.nonzero(mask)
        dy = (rows - qr[rows, cols]).astype(np.float32)
        dx = (cols - qc[rows, cols]).astype(np.float32)
        n = np.sqrt(dx * dx + dy * dy)
        df[0, rows, cols] = dx / n
        df[1, rows, cols] = dy / n
    return df
