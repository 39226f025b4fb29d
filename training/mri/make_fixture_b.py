"""An e2e fixture from the independent generator (phantom_b.py) (CLI): one short cine, NIfTI image + label + truth.

    /usr/bin/python3 -m mri.make_fixture_b [--out ../tests/fixtures/mri-independent]

The first seed from 3_100_000 (outside the evaluation range 3_000_000..) whose 8-slice stack reaches the apex;
8 slices x 8 frames, 144x144 at 1.8 mm, intensities scaled to a maximum of 150. Fails above 1.5 MB. Written under
training/mri/results/ for the app's tests to pick up (they keep their fixtures in tests/fixtures/).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .phantom_b import make_case, save_case
from .phantom_io import finish_fixture

HERE = Path(__file__).resolve().parent
STEM = "sax_phantom_b"
SEED0 = 3_100_000
README = f"""# MRI fixture from the independent generator (generated, not patient data)

Made by `training/mri/make_fixture_b.py` (`cd training && /usr/bin/python3 -m mri.make_fixture_b`): one synthetic
short-axis bSSFP cine from `training/mri/phantom_b.py` (the independent generator, never used for training), seed
{{seed}} (the first seed from {SEED0} whose 8-slice stack reaches the apex).

- `{STEM}_image.nii.gz`: int16, shape (X, Y, Z, T) = (144, 144, 8, 8); X = image column, Y = image row, Z = slice
  base → apex, T = frame (0 = end-diastole); affine diag(1.8, 1.8, slice spacing) mm; pixdim[4] = frame interval (ms).
- `{STEM}_label.nii.gz`: uint8, same layout; 0 background, 1 RV, 2 myocardium, 3 LV cavity (ACDC).
- `{STEM}.json`: truth from the label voxels: edFrame, esFrame, edvMl, esvMl, ef = (EDV − ESV)/EDV,
  lvMassG = MYO volume at ED × 1.05 g/mL, spacingMm [x, y, z], LV volume per frame, RV volumes.
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=HERE.parent.parent / "tests" / "fixtures" / "mri-independent")
    ap.add_argument("--seed", type=int, default=SEED0)
    args = ap.parse_args(argv)
    seed = args.seed
    while True:
        c = make_case(seed, n_slices=8, n_frames=8, matrix=144, spacing=1.8)
        if c.q["z_first"] + (c.n_slices - 1) * c.dz >= c.q["L"]:
            break
        seed += 1
    truth = save_case(c, args.out, STEM, intensity_max=150)
    finish_fixture(args.out, STEM, truth, README, seed)


if __name__ == "__main__":
    main()
