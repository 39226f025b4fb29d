"""Synthetic chest CT: determinism, HU ranges, lesion masks, slice counts."""
import numpy as np
import pytest

from ct.phantom import Scanner, make_case

SMALL = Scanner(thickness_mm=7.5, size=64, fov_mm=360)


def test_deterministic_by_seed():
    a = make_case(11, 1, SMALL, severity=0.6)
    b = make_case(11, 1, SMALL, severity=0.6)
    c = make_case(12, 1, SMALL, severity=0.6)
    assert np.array_equal(a.hu, b.hu) and np.array_equal(a.lesion, b.lesion)
    assert a.hu.shape[1:] == (64, 64) and a.hu.dtype == np.float32
    assert not np.array_equal(a.hu, c.hu) or a.hu.shape != c.hu.shape


@pytest.mark.parametrize("label", [0, 1, 2, 3])
def test_hounsfield_ranges_and_masks(label):
    ct = make_case(21 + label, label, SMALL, severity=0.8)
    hu = ct.hu
    assert hu.min() >= -1024 and hu.max() <= 3071
    assert np.percentile(hu, 1) < -950                                  # air around the patient
    assert hu.max() > 400                                               # bone
    if label == 0:
        assert ct.lesion.sum() == 0
    else:
        assert ct.lesion.sum() > 50
        inside = hu[ct.lesion > 0]
        if label == 3:
            assert np.median(inside) > -250                             # consolidation
        else:
            assert -800 < np.median(inside) < 0                         # ground glass


def test_slice_count_follows_thickness_and_cap():
    thick = make_case(5, 0, Scanner(thickness_mm=7.5, size=32))
    thin = make_case(5, 0, Scanner(thickness_mm=1.25, size=32))
    assert 30 <= thick.hu.shape[0] <= 50
    assert thin.hu.shape[0] == 200
    assert make_case(5, 0, Scanner(thickness_mm=5, size=32), n_slices=40).hu.shape[0] == 40


@pytest.mark.parametrize("label", [1, 2, 3])
def test_lesion_mask_nonempty_even_when_mild(label):
    assert make_case(31 + label, label, SMALL, severity=0.1).lesion.sum() > 0


def test_healthy_has_no_lesion_whatever_the_confounders():
    for seed in range(40, 44):
        ct = make_case(seed, 0, SMALL)
        assert ct.lesion.sum() == 0 and ct.meta["lesionVoxels"] == 0


def test_viral_nodules_and_bacterial_air_bronchograms():
    found = {}
    for seed in range(60, 72):
        f = make_case(seed, 2, SMALL, severity=0.7).meta["findings"]
        if f.get("centrilobularNodules"):
            found["nodules"] = f["centrilobularNodules"]
            assert f["treeInBud"] >= 0
    assert found, "no viral case with centrilobular nodules in 12 seeds"
    assert make_case(61, 3, SMALL, severity=0.7).meta["findings"]["airBronchograms"] > 0
