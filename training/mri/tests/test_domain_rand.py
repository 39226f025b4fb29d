"""Domain randomisation (mri/domain_rand.py): each pure function on hand-made inputs."""
import numpy as np
import pytest

from mri import domain_rand as dr
from mri.direction_field import direction_field


def disc_label(n=64, r_lv=8, r_epi=12, rv_dx=14):
    yy, xx = np.mgrid[0:n, 0:n] - (n - 1) / 2
    lab = np.zeros((n, n), np.uint8)
    lab[np.hypot(yy, xx - rv_dx) < 9] = dr.RV
    lab[np.hypot(yy, xx) < r_epi] = dr.MYO
    lab[np.hypot(yy, xx) < r_lv] = dr.LV
    return lab


def test_thickness_weights_box_profile():
    assert dr.thickness_weights(5.0) == [1.0, 0.0, 0.5, 0.5, 0.0]      # offsets 0, -5, -2.5, +2.5, +5
    assert dr.thickness_weights(10.0) == [1.0, 0.5, 1.0, 1.0, 0.5]
    w = dr.thickness_weights(7.5)
    assert w[0] == 1.0 and w[2] == w[3] == 1.0 and w[1] == w[4] == 0.0
    assert sum(dr.thickness_weights(8.0)) == pytest.approx(8.0 / 2.5)  # slab length in plane units


def test_tissue_map_splits_labels_and_background():
    lab = disc_label()
    img = np.where(lab == dr.LV, 1.0, 0.3).astype(np.float32)
    img[lab == 0] = np.linspace(0, 1, (lab == 0).sum())             # a ramp -> quantile classes
    img[32, 32] = 0.2                                                  # a dark "papillary muscle" pixel in the LV
    t, n = dr.tissue_map(img, lab, n_bg=4)
    assert n == 9
    assert set(np.unique(t[lab == 0])) == {0, 1, 2, 3}
    assert (t[lab == dr.MYO] == 4 + 2).all()
    assert t[32, 32] == 4 + 4 and (t[(lab == dr.LV)] == 4 + 3).sum() == (lab == dr.LV).sum() - 1
    assert set(np.unique(t[lab == dr.RV])) <= {4, 5}


def test_plane_tissues_fill_background_from_the_nearest_background():
    lab = disc_label()
    img = np.random.default_rng(0).random(lab.shape).astype(np.float32)
    t, _ = dr.tissue_map(img, lab, 3)
    plane = disc_label(r_lv=5, r_epi=8, rv_dx=100)                     # a smaller heart, no RV in this plane
    pt = dr.plane_tissues(t, lab, plane, 3)
    assert (pt[plane == dr.MYO] == 3 + 2).all()
    assert (pt[plane == dr.LV] == t[plane == dr.LV]).all()             # inside the centre's LV: its sub-tissues
    assert (pt[(plane == 0) & (lab == 0)] == t[(plane == 0) & (lab == 0)]).all()
    assert (pt[(plane == 0) & (lab > 0)] < 3).all()                    # former heart pixels: background classes


def test_tissue_params_keep_cavity_myocardium_contrast():
    rng = np.random.default_rng(1)
    for _ in range(50):
        mu, sd = dr.sample_tissue_params(rng, 4, 9)
        assert abs(mu[4 + 3] - mu[4 + 2]) >= 0.12 and abs(mu[4] - mu[4 + 2]) >= 0.12
        assert min(mu[4 + 4], mu[4 + 3]) - 1e-9 <= mu[4 + 4] <= max(mu[4 + 2], mu[4 + 3]) + 1e-9
        assert (sd >= 0).all() and (sd <= 0.07).all()


def test_synthesize_is_the_weighted_mean_of_the_planes():
    a = np.zeros((8, 8), np.int16)
    b = np.ones((8, 8), np.int16)
    mu, sd = np.array([0.2, 0.8]), np.zeros(2)
    x = dr.synthesize([a, b], [1.0, 0.5], mu, sd, np.random.default_rng(0))
    np.testing.assert_allclose(x, (0.2 + 0.5 * 0.8) / 1.5, rtol=1e-6)


def test_geometry_and_warp_keep_labels():
    rng = np.random.default_rng(2)
    lab = disc_label(96)
    c = dr.sample_geometry(rng, 96, 64)
    assert c.shape == (2, 64, 64)
    w = dr.warp(lab, c, 0)
    assert set(np.unique(w)) <= {0, 1, 2, 3}
    ident = np.stack(np.mgrid[0:96, 0:96]).astype(float)
    np.testing.assert_array_equal(dr.warp(lab, ident, 0), lab)
    f = dr.elastic_field(rng, 64, 3.0)
    assert f.shape == (2, 64, 64) and np.abs(f).max() == pytest.approx(3.0)


def test_acquisition_pieces():
    rng = np.random.default_rng(3)
    img = np.zeros((64, 64), np.float32)
    img[16:48, 16:48] = 1.0
    np.testing.assert_allclose(dr.kspace_artefacts(img, rng), img, atol=1e-5)          # nothing asked: unchanged
    assert np.abs(dr.kspace_artefacts(img, rng, truncate=0.4) - img).max() > 0.05       # ringing
    ghost = dr.kspace_artefacts(img, rng, ghost_lines=0.3, ghost_shift=4.0)
    assert ghost[:10, :].mean() > 1e-3             # ghosts along the phase-encode axis (0), outside the object
    np.testing.assert_allclose(dr.rician(img, 0.0, rng), img)
    assert dr.rician(np.zeros((64, 64)), 0.1, rng).mean() == pytest.approx(0.1 * np.sqrt(np.pi / 2), rel=0.1)
    coarse = dr.simulate_resolution(img, 2.5)
    assert coarse.shape == img.shape and abs(coarse.mean() - img.mean()) < 0.02
    assert np.abs(np.diff(coarse, axis=1)).max() < np.abs(np.diff(img, axis=1)).max()
    b = dr.bias_field((64, 64), rng, 0.5)
    assert b.shape == (64, 64) and b.min() >= np.exp(-0.5) - 1e-6 and b.max() <= np.exp(0.5) + 1e-6
    m = dr.fov_mask((64, 64), rng)
    assert m.dtype == bool and 0 < m.mean() < 1


def test_lut_and_distractors():
    rng = np.random.default_rng(4)
    x = np.linspace(0, 1, 100, dtype=np.float32)[None].repeat(4, 0)
    y = dr.random_lut(x, rng, monotone=True)
    assert (np.diff(y[0]) >= -1e-7).all()
    lab = disc_label()
    img = np.full(lab.shape, 0.5, np.float32)
    out = dr.add_distractors(img, lab, rng, 8, margin_px=3)
    np.testing.assert_array_equal(out[lab > 0], img[lab > 0])


def test_make_sample_dr_is_deterministic_and_consistent():
    lab = disc_label(96)
    img = np.where(lab == dr.LV, 1.0, np.where(lab == dr.MYO, 0.3, 0.5)).astype(np.float32)
    planes = np.stack([lab] * 4)
    for p_synth in (0.0, 1.0):
        a = dr.make_sample_dr(img, lab, planes, np.random.default_rng(5), p_synth=p_synth, size=64)
        b = dr.make_sample_dr(img, lab, planes, np.random.default_rng(5), p_synth=p_synth, size=64)
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)
        x, y, df = a
        assert x.shape == (64, 64) and y.shape == (64, 64) and df.shape == (2, 64, 64)
        assert abs(float(x.mean())) < 1e-4 and set(np.unique(y)) <= {0, 1, 2, 3}
        np.testing.assert_array_equal(df, direction_field(y))
