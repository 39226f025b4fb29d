"""Write synthetic short-axis cine phantoms as NIfTI + JSON truth (CLI).

    /usr/bin/python3 -m mri.make_phantom --seed 1000000 --out /tmp/phantoms [--count 3] [--slices 8]
        [--frames 10] [--matrix 176] [--spacing 1.6] [--intensity-max 400] [--png]

Files per subject: phantom_<seed>_image.nii.gz (int16, X,Y,Z,T), phantom_<seed>_label.nii.gz (uint8, ACDC
labels), phantom_<seed>.json ({edFrame, esFrame, edvMl, esvMl, ef, lvMassG, spacingMm, ...} from the label
voxels). --png also writes a contact sheet of the ED and ES frames with label outlines.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from .phantom import make_subject, render_slice
from .phantom_io import save_case


def contact_sheet(subject, path: Path, frames):
    from PIL import Image
    from scipy import ndimage

    rows = []
    for t in frames:
        tiles = []
        for k in range(subject.n_slices):
            img, lab = render_slice(subject, k, t)
            a = np.clip(img / np.percentile(img, 99.5) * 255, 0, 255).astype(np.uint8)
            rgb = np.stack([a] * 3, -1)
            for c, col in ((1, (60, 120, 255)), (2, (60, 230, 60)), (3, (255, 60, 60))):
                m = lab == c
                rgb[m & ~ndimage.binary_erosion(m)] = col
            tiles.append(rgb)
        rows.append(np.concatenate(tiles, 1))
    Image.fromarray(np.concatenate(rows, 0)).save(path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--slices", type=int)
    ap.add_argument("--frames", type=int)
    ap.add_argument("--matrix", type=int)
    ap.add_argument("--spacing", type=float)
    ap.add_argument("--intensity-max", type=float)
    ap.add_argument("--png", action="store_true")
    args = ap.parse_args(argv)
    for seed in range(args.seed, args.seed + args.count):
        s = make_subject(seed, n_slices=args.slices, n_frames=args.frames, matrix=args.matrix, spacing=args.spacing)
        truth = save_case(s, args.out, f"phantom_{seed}", args.intensity_max)
        if args.png:
            contact_sheet(s, args.out / f"phantom_{seed}.png", (truth["edFrame"], truth["esFrame"]))
        print(json.dumps({k: truth[k] for k in ("seed", "shape", "edFrame", "esFrame", "edvMl", "esvMl", "ef", "lvMassG", "spacingMm")}))


if __name__ == "__main__":
    main()
