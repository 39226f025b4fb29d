"""Phantom B (independent distribution-shift test set): determinism, masks, HU per class, studio input checks, cache."""
import json
from functools import lru_cache

import numpy as np
import pytest
from scipy import ndimage

from ct.phantom_b import _render, build_b_cache, make_case_b


@lru_cache(maxsize=None)
def case(label, seed=7, severity=0.8):
    return _render(seed, label, severity)


def enclosed_air_ml(ct):
    """The studio's lung check (src/tasks/ct/core/refuse.ts): HU < -400 not connected in-plane to the border."""
    n = 0
    for sl in ct.hu:
        lab, _ = ndimage.label(sl < -400)
        border = np.unique(np.r_[lab[0], lab[-1], lab[:, 0], lab[:, -1]])
        n += int(((lab > 0) & ~np.isin(lab, border)).sum())
    return n * float(np.prod(ct.spacing)) / 1000


def test_deterministic_by_seed_and_label():
    a = make_case_b(3, 1, 0.5)
    b = make_case_b(3, 1, 0.5)
    assert np.array_equal(a.hu, b.hu) and np.array_equal(a.lesion, b.lesion) and a.meta == b.meta
    c, _ = case(1)
    assert a.hu.shape != c.hu.shape or not np.array_equal(a.hu, c.hu)


@pytest.mark.parametrize("label", [0, 1, 2, 3])
def test_masks_and_studio_checks(label):
    ct, lung = case(label)
    assert ct.hu.dtype == np.float32 and ct.lesion.dtype == np.uint8 and ct.lesion.shape == ct.hu.shape
    assert ct.hu.shape[1:] == (128, 128) and ct.hu.min() >= -1024 and ct.hu.max() <= 3071
    assert ct.meta["label"] == label and ct.meta["class"] == ct.class_name
    fov = 128 * ct.spacing[1]
    assert 300 <= fov <= 450 and 1 <= ct.spacing[0] <= 8
    assert ct.hu.shape[0] >= 16 and ct.hu.shape[0] * ct.spacing[0] >= 130
    assert enclosed_air_ml(ct) >= 1000
    if label == 0:
        assert ct.lesion.sum() == 0
    else:
        assert ct.lesion.sum() > 200
        assert (ct.lesion.astype(bool) & ~lung).sum() == 0


def test_lesion_hu_per_class():
    mean = {k: float(case(k)[0].hu[case(k)[0].lesion > 0].mean()) for k in (1, 2, 3)}
    assert -750 < mean[1] < -150, mean                     # COVID-19: GGO, some consolidation
    assert -750 < mean[2] < -250, mean                     # other viral: GGO, nodules
    assert -250 < mean[3] < 60, mean                       # bacterial: consolidation (+ bronchograms, rim)
    assert mean[1] < mean[3] - 150 and mean[2] < mean[3] - 150


def test_cache_writer(tmp_path):
    path = build_b_cache(tmp_path, n_per_class=1, samplings=2, processes=1, seed0=123)
    z = np.load(path)
    assert z["x"].shape == (4, 2, 16, 128, 128) and z["x"].dtype == np.float16
    assert z["mask"].shape == z["x"].shape and z["mask"].dtype == np.uint8
    assert z["y"].dtype == np.int64 and z["y"].tolist() == [0, 1, 2, 3]
    meta = json.loads(str(z["meta"]))
    assert [m["label"] for m in meta] == [0, 1, 2, 3]
    assert z["mask"][0].sum() == 0 and all(z["mask"][i].sum() > 0 for i in (1, 2, 3))
    assert np.isfinite(z["x"].astype(np.float32)).all()
