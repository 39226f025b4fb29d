"""Render phantom training slices once into an .npz cache (CLI).

    /usr/bin/python3 -m mri.cache --subjects 1500 --per-subject 4 --processes 2 --out mri/cache/train.npz
    /usr/bin/python3 -m mri.cache --dr --subjects 400 --per-subject 4 --out mri/cache/dr.npz   # + depth planes

--dr: a domain-randomisation cache (domain_rand.py): each entry also holds the label maps 2.5 and 5 mm above and
below the slice, for the through-plane partial volume of synthetic slices.

Training subjects use seeds first-seed .. first-seed+subjects-1 (all < 900_000; 900_000.. is the validation
range of train.py, 1_000_000.. the held-out evaluation set, 2_000_000.. the e2e fixture).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from .dataset import build_cache
from .domain_rand import build_dr_cache


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subjects", type=int, default=1500)
    ap.add_argument("--per-subject", type=int, default=4)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--dr", action="store_true", help="domain-randomisation cache (with depth-plane labels)")
    args = ap.parse_args(argv)
    assert args.first_seed + args.subjects <= 900_000, "training seeds must stay below 900000"
    t0 = time.time()
    seeds = range(args.first_seed, args.first_seed + args.subjects)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.dr:
        imgs, labs, planes = build_dr_cache(seeds, args.per_subject, args.processes)
        np.savez(args.out, images=imgs, labels=labs, planes=planes, seeds=np.array([args.first_seed, args.subjects]))
    else:
        imgs, labs = build_cache(seeds, args.per_subject, args.processes)
        np.savez(args.out, images=imgs, labels=labs, seeds=np.array([args.first_seed, args.subjects]))
    print(f"{len(imgs)} slices in {time.time() - t0:.0f} s -> {args.out}")


if __name__ == "__main__":
    main()
