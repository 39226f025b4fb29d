"""Patient-level metrics as the UCADI paper reports them: COVID-19 sensitivity / specificity (COVID-19 = the
predicted class, i.e. the argmax of the averaged probabilities), one-vs-rest AUC per class and their mean
(macro AUC over the classes present in the test set), accuracy; per-class sensitivity and specificity (argmax
decisions, all four classes), the confusion matrix and the expected calibration error of the top class."""
from __future__ import annotations

import numpy as np

COVID = 1


def auc(scores, positives) -> float:
    """Area under the ROC curve (Mann-Whitney U with tie correction); nan when one class is absent."""
    s = np.asarray(scores, np.float64)
    pos = np.asarray(positives, bool)
    n1, n0 = pos.sum(), (~pos).sum()
    if n1 == 0 or n0 == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def nll(probs: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of the true class (what temperature scaling minimises)."""
    return float(-np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, 1)).mean())


def ece(probs, y, bins: int = 10) -> float:
    """Expected calibration error of the top class (Guo et al., 2017): confidence vs accuracy in equal-width bins,
    weighted by the share of cases per bin."""
    probs = np.asarray(probs, np.float64)
    y = np.asarray(y)
    if not len(y):
        return float("nan")
    conf, pred = probs.max(1), probs.argmax(1)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            total += inside.mean() * abs(conf[inside].mean() - (pred[inside] == y[inside]).mean())
    return float(total)


def per_class(pred, y, k: int) -> dict:
    """Sensitivity (recall) and specificity of each class, one-vs-rest on argmax decisions; nan where undefined."""
    sens, spec = [], []
    for c in range(k):
        pos, hit = y == c, pred == c
        sens.append(float((hit & pos).sum() / pos.sum()) if pos.sum() else float("nan"))
        spec.append(float((~hit & ~pos).sum() / (~pos).sum()) if (~pos).sum() else float("nan"))
    return {"sensitivity": sens, "specificity": spec, "predicted": np.bincount(pred, minlength=k).tolist()}


def summarize(probs: np.ndarray, y: np.ndarray) -> dict:
    probs = np.asarray(probs, np.float64)
    y = np.asarray(y)
    pred = probs.argmax(1)
    pos = y == COVID
    tp = int(((pred == COVID) & pos).sum())
    tn = int(((pred != COVID) & ~pos).sum())
    aucs = {c: auc(probs[:, c], y == c) for c in range(probs.shape[1])}
    present = [a for a in aucs.values() if not np.isnan(a)]
    return {
        "n": int(len(y)),
        "covidSensitivity": tp / pos.sum() if pos.sum() else float("nan"),
        "covidSpecificity": tn / (~pos).sum() if (~pos).sum() else float("nan"),
        "covidAuc": aucs[COVID],
        "macroAuc": float(np.mean(present)) if present else float("nan"),
        "accuracy": float((pred == y).mean()) if len(y) else float("nan"),
        "aucPerClass": [None if np.isnan(a) else a for a in aucs.values()],
        "perClass": per_class(pred, y, probs.shape[1]),
        "ece": ece(probs, y),
        "confusion": np.bincount(y * probs.shape[1] + pred, minlength=probs.shape[1] ** 2)
        .reshape(probs.shape[1], -1).tolist(),
    }
