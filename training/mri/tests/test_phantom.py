import json

import nibabel as nib
import numpy as np

from mri.phantom import LV, MYO, RV, cardiac_parameters, make_subject, render_label, render_slice
from mri.phantom_io import save_case


def test_deterministic_by_seed():
    a = render_slice(make_subject(5), 2, 1)
    b = render_slice(make_subject(5), 2, 1)
    c = render_slice(make_subject(6), 2, 1)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].shape != c[0].shape or not np.array_equal(a[0], c[0])


def test_labels_and_ranges():
    for seed in range(4):
        s = make_subject(seed)
        assert 160 <= s.nx <= 256 and 1.2 <= s.spacing <= 1.9 and 6 <= s.n_slices <= 12 and 8 <= s.n_frames <= 12
        img, lab = render_slice(s, s.n_slices // 3, 0)
        assert img.dtype == np.float32 and img.min() >= 0
        assert set(np.unique(lab)) <= {0, RV, MYO, LV}
        assert (lab == LV).any() and (lab == MYO).any()
        np.testing.assert_array_equal(lab, render_label(s, s.n_slices // 3, 0))


def test_ef_and_mass_arithmetic():
    lab = np.zeros((2, 3, 10, 10), np.uint8)         # [Z, T, rows, cols]
    lab[:, 0, :5, :4] = LV                            # ED: 2 x 20 voxels
    lab[:, 1, :2, :5] = LV                            # 2 x 10
    lab[:, 2, :3, :5] = LV                            # 2 x 15
    lab[:, 0, 6:, :] = MYO                            # 2 x 40 voxels of MYO at ED
    p = cardiac_parameters(lab, (2.0, 2.0, 5.0))      # voxel = 20 mm^3 = 0.02 mL
    assert p["edFrame"] == 0 and p["esFrame"] == 1
    assert abs(p["edvMl"] - 0.8) < 1e-9 and abs(p["esvMl"] - 0.4) < 1e-9
    assert abs(p["ef"] - 0.5) < 1e-9
    assert abs(p["lvMassG"] - 80 * 0.02 * 1.05) < 1e-9


def test_physiological_cycle():
    efs = []
    for seed in range(6):
        s = make_subject(seed)
        lab = np.stack([np.stack([render_label(s, k, t) for t in range(s.n_frames)]) for k in range(s.n_slices)])
        p = cardiac_parameters(lab, (s.spacing, s.spacing, s.dz))
        efs.append(p["ef"])
        assert 0 < p["esFrame"] < s.n_frames // 2 + 1
        assert 20 < p["edvMl"] < 400 and 30 < p["lvMassG"] < 350
    assert 0.25 < min(efs) and max(efs) < 0.8


def test_nifti_roundtrip(tmp_path):
    s = make_subject(2_000_123, n_slices=6, n_frames=8, matrix=160)
    truth = save_case(s, tmp_path, "case")
    img = nib.load(tmp_path / "case_image.nii.gz")
    lab = nib.load(tmp_path / "case_label.nii.gz")
    assert img.shape == (160, 160, 6, 8) and img.get_data_dtype() == np.int16
    assert lab.get_data_dtype() == np.uint8
    np.testing.assert_allclose(img.header.get_zooms()[:3], (s.spacing, s.spacing, s.dz), rtol=1e-5)
    np.testing.assert_allclose(np.diag(img.affine)[:3], (s.spacing, s.spacing, s.dz), rtol=1e-5)
    data = np.asarray(lab.dataobj)
    vox = s.spacing * s.spacing * s.dz / 1000
    assert abs((data[..., truth["edFrame"]] == LV).sum() * vox - truth["edvMl"]) < 1e-2
    assert abs((data[..., truth["esFrame"]] == LV).sum() * vox - truth["esvMl"]) < 1e-2
    saved = json.loads((tmp_path / "case.json").read_text())
    assert saved["ef"] == truth["ef"] and saved["spacingMm"][2] == s.dz
    # X is the image column: the label of slice 0 at ED, transposed back, matches the renderer
    np.testing.assert_array_equal(data[:, :, 0, 0].T, render_label(s, 0, 0))
