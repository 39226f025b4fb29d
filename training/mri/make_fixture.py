"""Write the e2e fixture tests/fixtures/mri/ (CLI): one held-out phantom cine, NIfTI image + label + JSON truth.

    /usr/bin/python3 -m mri.make_fixture [--out ../tests/fixtures/mri]

The first seed from 2_000_000 (outside the training, validation and evaluation ranges) whose 8-slice stack
reaches the apex; 8 slices x 8 frames, 144x144 at
1.8 mm, intensities scaled to a maximum of 150 (the noise is incompressible; this keeps the three files under
1.5 MB). Fails if they are larger.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .dataset import FIXTURE_SEED0
from .phantom import make_subject
from .phantom_io import finish_fixture, save_case

HERE = Path(__file__).resolve().parent
STEM = "sax_phantom"
README = f"""# MRI fixture (generated, not patient data)

Made by `training/mri/make_fixture.py` (`cd training && /usr/bin/python3 -m mri.make_fixture`): one synthetic
short-axis cine from `training/mri/phantom.py`, seed {{seed}} (the first seed from {FIXTURE_SEED0} whose 8-slice
stack reaches the apex), never used in training or evaluation.

- `{STEM}_image.nii.gz`: int16, shape (X, Y, Z, T) = (144, 144, 8, 8); X = image column, Y = image row, Z = slice
  base → apex, T = frame (0 = end-diastole); affine diag(1.8, 1.8, slice spacing) mm; pixdim[4] = frame interval (ms).
- `{STEM}_label.nii.gz`: uint8, same layout; 0 background, 1 RV, 2 myocardium, 3 LV cavity (ACDC).
- `{STEM}.json`: truth from the label voxels: edFrame, esFrame, edvMl, esvMl, ef = (EDV − ESV)/EDV,
  lvMassG = MYO volume at ED × 1.05 g/mL, spacingMm [x, y, z], LV volume per frame, RV volumes.
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=HERE.parents[1] / "tests" / "fixtures" / "mri")
    ap.add_argument("--seed", type=int, default=FIXTURE_SEED0)
    args = ap.parse_args(argv)
    seed = args.seed
    while True:   # the first seed whose 8-slice stack reaches the apex, so that volumes and EF are complete
        s = make_subject(seed, n_slices=8, n_frames=8, matrix=144, spacing=1.8)
        if s.z0 + (s.n_slices - 1) * s.dz >= s.p["lv_len"]:
            break
        seed += 1
    truth = save_case(s, args.out, STEM, intensity_max=150)
    finish_fixture(args.out, STEM, truth, README, seed)


if __name__ == "__main__":
    main()
