"""Domain randomisation of the CT phantom: contrast, arms, partial coverage, sites, determinism, render time."""
import time

import numpy as np

from ct.phantom import Scanner, make_case
from ct.sites import SITES, case_spec

SMALL = dict(thickness_mm=7.5, size=64, fov_mm=420)


def test_contrast_raises_aorta_hu():
    plain = make_case(7, 0, Scanner(**SMALL, noise_hu=5))
    enh = make_case(7, 0, Scanner(**SMALL, noise_hu=5, contrast_hu=200))   # same seed: same patient and noise
    assert enh.meta["aortaHu"] > 150 and plain.meta["aortaHu"] == 40
    vessels = (enh.hu - plain.hu) > 80          # aorta, heart chambers, great vessels
    assert vessels.sum() > 200
    assert 0 < np.median(plain.hu[vessels]) < 120 and np.median(enh.hu[vessels]) > 150


def test_arms_down_adds_body_voxels_at_the_sides():
    up = make_case(8, 0, Scanner(**SMALL), anatomy={"arms_down": False, "habitus": 0.95})
    down = make_case(8, 0, Scanner(**SMALL), anatomy={"arms_down": True, "habitus": 0.95})
    n = up.hu.shape[2]
    sides = np.r_[0:n // 8, n - n // 8:n]
    assert (down.hu[:, :, sides] > -500).sum() > 2 * (up.hu[:, :, sides] > -500).sum() + 50
    assert down.meta["armsDown"] and not up.meta["armsDown"] and down.meta["streakStrength"] > 0


def test_partial_coverage_keeps_16_slices_and_130_mm_of_lung():
    for thick in (1.0, 5.0, 10.0):
        ct = make_case(9, 1, Scanner(thickness_mm=thick, size=32, scan_start_mm=120, scan_end_mm=120), severity=0.5)
        assert ct.hu.shape[0] >= 16
        assert ct.meta["partialCoverage"] and ct.meta["lungCoverageMm"] >= 130 - thick


def test_table_and_fov_and_determinism_with_all_knobs():
    sc = Scanner(thickness_mm=5, size=48, fov_mm=300, kernel="lung", contrast_hu=150, streaks=0.6,
                 beam_hardening=0.6, table=False, scan_start_mm=30)
    a = make_case(10, 2, sc, anatomy={"arms_down": True, "habitus": 1.2, "inspiration": 0.2})
    b = make_case(10, 2, sc, anatomy={"arms_down": True, "habitus": 1.2, "inspiration": 0.2})
    assert np.array_equal(a.hu, b.hu) and np.array_equal(a.lesion, b.lesion) and a.meta == b.meta
    assert a.meta["fovMm"] >= 300 and a.meta["cuppingHu"] > 0 and a.meta["table"] is False


def test_sites_sample_domain_randomisation_deterministically():
    seen = set()
    for site in SITES:
        for i in range(site.n_test):
            s1, s2 = case_spec(site, "test", i), case_spec(site, "test", i)
            assert s1["scanner"] == s2["scanner"] and s1["anatomy"] == s2["anatomy"]
            sc = s1["scanner"]
            assert 1.0 <= sc.thickness_mm <= 10.0 and 300 <= sc.fov_mm <= 450 and sc.size == 128
            seen.add((sc.contrast_hu > 0, s1["anatomy"]["arms_down"], sc.scan_start_mm is not None))
    assert len(seen) >= 4     # contrast / arms / partial coverage all vary across the sites


def test_render_time_at_128():
    t0 = time.time()
    make_case(11, 1, Scanner(thickness_mm=2.5, size=128))
    assert time.time() - t0 < 8.0      # ~2 s on a quiet 2-core machine; generous for shared CI
