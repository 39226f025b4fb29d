"""DF-Net losses: CE(seg) + 1.0 * DF loss + 0.1 * CE(aux)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

DF_WEIGHT = 1.0
AUX_WEIGHT = 0.1
HARD_NEGATIVE_RATIO = 3


def df_loss(pred: torch.Tensor, gt: torch.Tensor, label: torch.Tensor, num_classes: int = 4) -> torch.Tensor:
    """Per pixel: |pred - gt|^2 + (angle between pred and gt)^2 (angle term on foreground only, where gt is a
    unit vector). Foreground is class-balanced (mean per class present, then mean over classes); background
    (gt = 0, loss = |pred|^2) keeps only its hardest 3 x #foreground pixels over the batch (all of them if the
    batch has no foreground). The background term counts as one more class in the average."""
    sq = ((pred - gt) ** 2).sum(dim=1)                                   # [B, H, W]
    fg = label > 0
    cos = (pred * gt).sum(dim=1) / (pred.norm(dim=1) * gt.norm(dim=1) + 1e-6)
    angle = torch.acos(cos.clamp(-1 + 1e-6, 1 - 1e-6))
    per_pixel = sq + torch.where(fg, angle ** 2, torch.zeros_like(angle))
    terms = []
    for c in range(1, num_classes):
        m = label == c
        if m.any():
            terms.append(per_pixel[m].mean())
    bg = per_pixel[~fg]
    n_fg = int(fg.sum())
    if bg.numel():
        if n_fg:
            k = min(bg.numel(), HARD_NEGATIVE_RATIO * n_fg)
            bg = torch.topk(bg, k, sorted=False).values
        terms.append(bg.mean())
    return torch.stack(terms).mean()


def dfnet_loss(outputs, label: torch.Tensor, df_gt: torch.Tensor | None, lv_only: torch.Tensor | None = None):
    """outputs = (logits, df, aux) (df/aux None for the plain U-Net). Returns (total, parts dict)."""
    logits, df, aux = outputs
    seg = F.cross_entropy(logits, label)
    parts = {"seg": float(seg)}
    total = seg
    if df is not None:
        d = df_loss(df, df_gt, label)
        a = F.cross_entropy(aux, label)
        total = total + DF_WEIGHT * d + AUX_WEIGHT * a
        parts.update(df=float(d), aux=float(a))
    parts["total"] = float(total)
    return total, parts
