"""Run a PyTorch model through the contract pipeline on native slices."""
from __future__ import annotations

import numpy as np
import torch

from .preprocess import from_model_grid, to_model_input


@torch.no_grad()
def predict_native(model, slices, spacing_rc, batch_size: int = 16):
    """slices: iterable of 2D arrays [rows, cols] sharing `spacing_rc` -> list of label maps (uint8) on the
    native grid (logits mapped back bilinearly, then argmax)."""
    model.eval()
    slices = list(slices)
    out = []
    for i in range(0, len(slices), batch_size):
        chunk = slices[i:i + batch_size]
        x = torch.from_numpy(np.stack([to_model_input(s, spacing_rc) for s in chunk])[:, None])
        logits = model(x)[0].numpy()
        for s, lg in zip(chunk, logits):
            out.append(from_model_grid(lg, s.shape, spacing_rc).argmax(0).astype(np.uint8))
    return out
