"""The independent phantom generator (mri/phantom_b.py): determinism, label conventions, truth, NIfTI output."""
import json
import re
from pathlib import Path

import nibabel as nib
import numpy as np

from mri import phantom_b as pb


def small(seed):
    return pb.make_case(seed, n_slices=6, n_frames=6, matrix=96, spacing=2.0)


def test_deterministic_by_seed():
    a = pb.render_slice(small(3_000_001), 2, 1)
    b = pb.render_slice(small(3_000_001), 2, 1)
    c = pb.render_slice(small(3_000_002), 2, 1)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_labels_follow_the_project_convention():
    for seed in range(3_000_010, 3_000_014):
        c = pb.make_case(seed)
        k = c.n_slices // 3
        img, lab = pb.render_slice(c, k, 0)
        assert img.shape == lab.shape == (c.ny, c.nx) and img.dtype == np.float32 and img.min() >= 0
        assert set(np.unique(lab)) <= {0, 1, 2, 3} and (lab == pb.LV).any() and (lab == pb.MYO).any()
        np.testing.assert_array_equal(lab, pb.label_slice(c, k, 0))
        # the LV cavity is enclosed by myocardium: no LV pixel touches background or RV
        lv = lab == pb.LV
        grown = np.zeros_like(lv)
        grown[1:] |= lv[:-1]; grown[:-1] |= lv[1:]; grown[:, 1:] |= lv[:, :-1]; grown[:, :-1] |= lv[:, 1:]  # noqa: E702
        assert not (grown & np.isin(lab, (0, pb.RV))).any()
        # the cavity is brighter than the myocardium (bSSFP)
        assert np.median(img[lv]) > 1.5 * np.median(img[lab == pb.MYO])


def test_truth_from_labels_and_contraction():
    c = small(3_000_020)
    lab = pb.label_volume(c)
    t = pb.truth(c, lab)
    vox = c.spacing * c.spacing * c.dz / 1000
    assert abs(t["edvMl"] - (lab[:, 0] == pb.LV).sum() * vox) < 1e-3
    assert t["esFrame"] != 0 and t["esvMl"] < t["edvMl"]
    assert abs(t["ef"] - (t["edvMl"] - t["esvMl"]) / t["edvMl"]) < 1e-3
    assert 0.15 < t["ef"] < 0.85
    assert pb.cycle(0.0, 0.35) == 0.0 and abs(pb.cycle(0.35, 0.35) - 1.0) < 1e-9


def test_bssfp_signal_orders_tissues_like_cine_mri():
    s = {k: pb.bssfp(pd, t1, t2, 60, 3.0) for k, (pd, t1, t2) in pb.TISSUES.items()}
    assert s["blood"] > 2 * s["myo"] and s["fat"] > s["myo"] > s["lung"] and s["air"] == 0


def test_save_case_writes_nifti_and_truth(tmp_path):
    c = pb.make_case(3_000_030, n_slices=3, n_frames=3, matrix=64, spacing=2.5)
    t = pb.save_case(c, tmp_path, "b", intensity_max=200)
    img = nib.load(tmp_path / "b_image.nii.gz")
    lab = nib.load(tmp_path / "b_label.nii.gz")
    assert img.shape == lab.shape == (64, 64, 3, 3) and img.get_data_dtype() == np.int16
    np.testing.assert_allclose(img.header.get_zooms()[:3], (2.5, 2.5, c.dz), rtol=1e-5)
    assert json.loads((tmp_path / "b.json").read_text())["edvMl"] == t["edvMl"]
    assert t["generator"] == pb.GENERATOR and set(np.unique(np.asarray(lab.dataobj))) <= {0, 1, 2, 3}


def test_written_independently_of_the_training_generator():
    src = Path(pb.__file__).read_text()
    assert not re.search(r"from \.phantom import|import mri\.phantom\b|from \.phantom\b|from \.domain_rand", src)
