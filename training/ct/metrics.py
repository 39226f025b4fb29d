"""Patient-level metrics as the UCADI paper reports them: COVID-19 sensitivity / specificity (COVID-19 = the
predicted class, i.e. the argmax of the averaged probabilities), one-vs-rest AUC per class and their mean
(macro AUC over the classes present in the test set), accuracy."""
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
        "confusion": np.bincount(y * probs.shape[1] + pred, minlength=probs.shape[1] ** 2)
        .reshape(probs.shape[1], -1).tolist(),
    }
