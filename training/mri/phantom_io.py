"""Write a phantom subject as 4D NIfTI (image int16, label uint8) plus its JSON truth.

Array layout in the files: (X, Y, Z, T) where X = image column (left -> right as rendered), Y = image row
(top -> bottom as rendered), Z = slice from base (0) to apex, T = frame (0 = end-diastole). Affine =
diag(spacing x, spacing y, slice spacing, 1) in mm; pixdim[4] = frame interval in ms.
"""
from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import numpy as np

from .phantom import Subject, cardiac_parameters, render_volume


def to_nifti_array(volume_zt: np.ndarray) -> np.ndarray:
    """[Z, T, rows, cols] -> [X=cols, Y=rows, Z, T]."""
    return np.ascontiguousarray(volume_zt.transpose(3, 2, 0, 1))


def nifti_image(array_xyzt: np.ndarray, spacing_xyz, frame_ms: float) -> nib.Nifti1Image:
    affine = np.diag([spacing_xyz[0], spacing_xyz[1], spacing_xyz[2], 1.0])
    img = nib.Nifti1Image(array_xyzt, affine)
    img.header.set_xyzt_units("mm", "msec")
    img.header["pixdim"][4] = frame_ms
    img.header.set_qform(affine, code=1)
    img.header.set_sform(affine, code=1)
    return img


def save_case(subject: Subject, out_dir: Path, stem: str, intensity_max: float | None = None) -> dict:
    """Render the whole cine of `subject` and write <stem>_image.nii.gz, <stem>_label.nii.gz, <stem>.json.
    `intensity_max` rescales the image so that its maximum is that value (smaller files)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    img, lab = render_volume(subject)
    if intensity_max:
        img = img * (intensity_max / max(float(img.max()), 1e-6))
    img = np.clip(np.round(img), 0, 32767).astype(np.int16)
    spacing = (subject.spacing, subject.spacing, subject.dz)
    frame_ms = round(subject.p["cycle_ms"] / subject.n_frames, 2)
    truth = cardiac_parameters(lab, spacing)
    truth.update({
        "seed": subject.seed,
        "shape": [subject.nx, subject.ny, subject.n_slices, subject.n_frames],
        "frameMs": frame_ms,
        "labels": {"0": "background", "1": "RV", "2": "MYO", "3": "LV"},
        "layout": "NIfTI (X=column, Y=row, Z=slice base->apex, T=frame); ED = frame 0, ES = min LV volume",
        "generator": "training/mri/phantom.py",
    })
    nib.save(nifti_image(to_nifti_array(img), spacing, frame_ms), out_dir / f"{stem}_image.nii.gz")
    nib.save(nifti_image(to_nifti_array(lab), spacing, frame_ms), out_dir / f"{stem}_label.nii.gz")
    (out_dir / f"{stem}.json").write_text(json.dumps(truth, indent=1) + "\n")
    return truth

def finish_fixture(out: Path, stem: str, truth: dict, readme: str, seed: int, limit: int = 1_500_000) -> None:
    """Writes a fixture's README, prints its size and truth, and fails when the three files exceed `limit` bytes."""
    (out / "README.md").write_text(readme.replace("{seed}", str(seed)))
    files = [out / f"{stem}{suffix}" for suffix in ("_image.nii.gz", "_label.nii.gz", ".json")]
    total = sum(f.stat().st_size for f in files)
    print(f"{out}: {total:,} bytes; seed {seed}; ED frame {truth['edFrame']}, ES frame {truth['esFrame']}, "
          f"EDV {truth['edvMl']} mL, ESV {truth['esvMl']} mL, EF {truth['ef']}, LV mass {truth['lvMassG']} g")
    if total > limit:
        raise SystemExit(f"fixture too large: {total} bytes")
