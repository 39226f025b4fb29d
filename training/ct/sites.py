"""Simulated hospitals: each has its own CT scanner(s) and case mix; one site is held out entirely.

A case is fully determined by (site, split, index): its seed, label (the site's class mix, exact proportions,
deterministically shuffled), severity and scanner settings. `build_cache` renders the phantoms and stores the
studio-contract samplings (float16 of the normalised 16x128x128 input; training cases 4 samplings, test cases the
studio's 3) plus the lesion masks on the model grid.

    /usr/bin/python3 -m ct.sites --out ct/cache --processes 2          # every site, default sizes
    /usr/bin/python3 -m ct.sites --out ct/cache --splits test          # the test sets only (ct.eval_shipped)
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from .phantom import CLASSES, Scanner, make_case, sample_anatomy
from .preprocess import mask_to_input, sample_slice_indices, to_model_input


@dataclass(frozen=True)
class Site:
    name: str
    mix: tuple                 # class proportions: healthy, covid19, viral, bacterial
    thickness_mm: tuple        # slice thickness choices
    kernel: tuple              # reconstruction kernel choices
    noise_hu: tuple            # (low, high)
    fov_mm: tuple              # (low, high)
    hu_offset: float
    n_train: int
    n_test: int
    held_out: bool = False
    note: str = ""
    # domain randomisation (per case, from the seed): an alternative protocol (thickness / kernel / FOV) in a share
    # alt_p of the cases, contrast, artefacts, partial coverage, patient habitus, inspiration, arm position, couch
    alt_p: float = 0.0
    alt_thickness_mm: tuple = ()
    alt_kernel: tuple = ()
    alt_fov_mm: tuple = ()
    contrast_p: float = 0.0          # share of contrast-enhanced scans
    contrast_hu: tuple = (110, 260)  # enhancement (aorta 150-300 HU)
    arms_down_p: float = 0.0
    streaks: tuple = (0.0, 0.0)
    beam_hardening: tuple = (0.0, 0.0)
    partial_p: float = 0.0           # share of scans starting and/or ending inside the lungs
    partial_mm: tuple = (10, 60)     # how far inside (>= 130 mm of lung and >= 16 slices are kept)
    habitus: tuple = (0.9, 1.12)
    inspiration: tuple = (0.55, 1.0)
    table_p: float = 1.0


SITES = [
    Site("A", (0.20, 0.50, 0.15, 0.15), (5.0, 7.5), ("standard",), (12, 20), (340, 370), 0.0, 48, 12,
         note="COVID-19 centre: thick slices (40-65 slices), standard kernel, normal dose",
         alt_p=0.2, alt_thickness_mm=(10.0,), alt_kernel=("soft",), alt_fov_mm=(300, 330), contrast_p=0.1,
         arms_down_p=0.1, streaks=(0.0, 0.2), beam_hardening=(0.0, 0.3), partial_p=0.15, habitus=(0.9, 1.15),
         inspiration=(0.6, 1.0), table_p=1.0),
    Site("B", (0.40, 0.20, 0.20, 0.20), (1.5, 2.0), ("sharp",), (25, 35), (360, 400), 5.0, 40, 12,
         note="thin slices (130-200), sharp lung kernel, normal dose",
         alt_p=0.25, alt_thickness_mm=(1.0, 1.25), alt_kernel=("lung",), alt_fov_mm=(400, 440), contrast_p=0.45,
         contrast_hu=(140, 260), arms_down_p=0.05, streaks=(0.0, 0.3), beam_hardening=(0.1, 0.4), partial_p=0.1,
         habitus=(0.85, 1.08), inspiration=(0.7, 1.0), table_p=0.8),
    Site("C", (0.30, 0.10, 0.20, 0.40), (2.5, 3.0), ("soft",), (8, 14), (330, 360), -6.0, 32, 12,
         note="few COVID-19, many bacterial pneumonias; soft kernel, high dose",
         alt_p=0.2, alt_thickness_mm=(5.0,), alt_kernel=("standard",), alt_fov_mm=(300, 340), contrast_p=0.3,
         contrast_hu=(110, 200), arms_down_p=0.4, streaks=(0.1, 0.5), beam_hardening=(0.2, 0.6), partial_p=0.3,
         habitus=(0.95, 1.25), inspiration=(0.2, 0.8), table_p=1.0),
    Site("D", (0.25, 0.35, 0.30, 0.10), (3.0, 4.0, 5.0), ("standard", "soft"), (35, 50), (380, 420), 12.0, 40, 12,
         note="low-dose protocol (noisy), large field of view, +12 HU calibration offset",
         alt_p=0.2, alt_thickness_mm=(8.0, 10.0), alt_kernel=("sharp",), alt_fov_mm=(420, 450), contrast_p=0.15,
         arms_down_p=0.2, streaks=(0.1, 0.6), beam_hardening=(0.0, 0.5), partial_p=0.2, habitus=(0.9, 1.2),
         inspiration=(0.4, 1.0), table_p=1.0),
    Site("E", (0.25, 0.25, 0.25, 0.25), (1.25, 1.5, 2.0), ("sharp", "standard"), (25, 45), (340, 380), -10.0, 0, 40,
         held_out=True, note="held out entirely (never trained on): other vendor, thin slices, -10 HU offset",
         alt_p=0.3, alt_thickness_mm=(1.0, 6.0), alt_kernel=("lung", "soft"), alt_fov_mm=(310, 450), contrast_p=0.5,
         contrast_hu=(150, 260), arms_down_p=0.35, streaks=(0.0, 0.7), beam_hardening=(0.1, 0.7), partial_p=0.35,
         partial_mm=(20, 80), habitus=(0.85, 1.25), inspiration=(0.1, 0.9), table_p=0.7),
]
SITE_BY_NAME = {s.name: s for s in SITES}
TRAIN_SAMPLINGS = 4
TEST_SAMPLINGS = 3


def case_spec(site: Site, split: str, i: int, size: int = 128, n: int | None = None) -> dict:
    """Seed, label and scanner of case i of a site's split; deterministic. `n` > the site's count enlarges the
    split (same class mix); cases below the site's count keep their seeds, scanners and, at n <= count, labels."""
    base = 100_000 * (SITES.index(site) + 1) + (0 if split == "train" else 50_000)
    n = max(n or 0, site.n_train if split == "train" else site.n_test)
    mix = np.asarray(site.mix) if split == "train" else 0.5 * np.asarray(site.mix) + 0.125  # tests: nearer balance
    counts = np.floor(mix * n + 1e-9).astype(int)
    for j in np.argsort(-(mix * n - counts))[: n - counts.sum()]:
        counts[j] += 1
    labels = np.repeat(np.arange(4), counts)
    np.random.default_rng(base).shuffle(labels)
    seed = base + i
    rng = np.random.default_rng([seed, 31337])
    thick, kern = float(rng.choice(site.thickness_mm)), str(rng.choice(site.kernel))
    noise, fov = float(rng.uniform(*site.noise_hu)), float(rng.uniform(*site.fov_mm))
    off = site.hu_offset + float(rng.normal(0, 3))
    # domain randomisation (drawn after the base protocol, so those draws keep their order)
    alt = rng.random() < site.alt_p
    if alt:
        thick = float(rng.choice(site.alt_thickness_mm)) if site.alt_thickness_mm else thick
        kern = str(rng.choice(site.alt_kernel)) if site.alt_kernel else kern
        fov = float(rng.uniform(*site.alt_fov_mm)) if site.alt_fov_mm else fov
    contrast = float(rng.uniform(*site.contrast_hu)) if rng.random() < site.contrast_p else 0.0
    start = end = None
    if rng.random() < site.partial_p:
        which = rng.integers(3)            # 0 starts inside, 1 ends inside, 2 both
        if which in (0, 2):
            start = float(rng.uniform(*site.partial_mm))
        if which in (1, 2):
            end = float(rng.uniform(*site.partial_mm))
    sc = Scanner(thickness_mm=thick, kernel=kern, noise_hu=noise, fov_mm=fov, hu_offset=off, size=size,
                 contrast_hu=contrast, streaks=float(rng.uniform(*site.streaks)),
                 beam_hardening=float(rng.uniform(*site.beam_hardening)), table=bool(rng.random() < site.table_p),
                 scan_start_mm=start, scan_end_mm=end)
    anatomy = sample_anatomy(rng, site.habitus, site.inspiration, site.arms_down_p)
    return {"site": site.name, "split": split, "index": i, "seed": seed, "label": int(labels[i]), "scanner": sc,
            "anatomy": anatomy, "altProtocol": bool(alt)}


def render(spec: dict, count: int):
    ct = make_case(spec["seed"], spec["label"], spec["scanner"], anatomy=spec.get("anatomy"))
    xs, ms = [], []
    for k in range(count):
        idx = sample_slice_indices(ct.hu.shape[0], k, count)
        xs.append(to_model_input(ct.hu, idx).astype(np.float16))
        ms.append(mask_to_input(ct.lesion, idx))
    meta = dict(ct.meta)
    meta["scanner"] = asdict(spec["scanner"])
    meta["site"] = spec["site"]
    meta["anatomy"] = dict(spec.get("anatomy") or {})
    meta["altProtocol"] = bool(spec.get("altProtocol", False))
    return np.stack(xs), np.stack(ms), meta


def _render_job(args):
    site_name, split, i, size, n = args
    site = SITE_BY_NAME[site_name]
    count = TRAIN_SAMPLINGS if split == "train" else TEST_SAMPLINGS
    return render(case_spec(site, split, i, size, n), count)


def build_cache(out: Path, sites=SITES, processes: int = 2, scale: float = 1.0, log=print, size: int = 128,
                splits=("train", "test")):
    """Renders every site's splits into out/<site>_<split>.npz (x float16 [n, samplings, 16, 128, 128],
    mask uint8 same shape, y int64 [n], meta JSON). `scale` shrinks (smoke tests) or enlarges (GPU runs) the case counts."""
    out.mkdir(parents=True, exist_ok=True)
    for site in sites:
        for split in splits:
            n = site.n_train if split == "train" else site.n_test
            n = int(round(n * scale)) if scale != 1.0 else n
            if n == 0:
                continue
            path = out / f"{site.name}_{split}.npz"
            if path.exists():
                log(f"[sites] {path.name} exists")
                continue
            t0 = time.time()
            jobs = [(site.name, split, i, size, n) for i in range(n)]
            if processes > 1:
                with Pool(processes) as pool:
                    res = pool.map(_render_job, jobs)
            else:
                res = [_render_job(j) for j in jobs]
            x = np.stack([r[0] for r in res])
            m = np.stack([r[1] for r in res])
            meta = [r[2] for r in res]
            y = np.array([mm["label"] for mm in meta], np.int64)
            np.savez(path, x=x, mask=m, y=y, meta=json.dumps(meta))
            log(f"[sites] {path.name}: {n} cases, classes {np.bincount(y, minlength=4).tolist()}, "
                f"slices {min(mm['slices'] for mm in meta)}-{max(mm['slices'] for mm in meta)}, {time.time() - t0:.0f} s")


def load(path: Path) -> dict:
    d = np.load(path)
    return {"x": d["x"], "mask": d["mask"], "y": d["y"], "meta": json.loads(str(d["meta"]))}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "cache")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--scale", type=float, default=1.0, help="multiple of each split's size (< 1: smoke tests)")
    ap.add_argument("--sites", default="", help="comma-separated subset, e.g. A,E")
    ap.add_argument("--splits", default="train,test", help="comma-separated subset: train, test")
    ap.add_argument("--render-size", type=int, default=128,
                    help="phantom pixels per row (the cache is always the 16x128x128 contract input; smoke: 64)")
    args = ap.parse_args(argv)
    sites = [SITE_BY_NAME[s] for s in args.sites.split(",")] if args.sites else SITES
    build_cache(args.out, sites, args.processes, args.scale, size=args.render_size,
                splits=tuple(args.splits.split(",")))


if __name__ == "__main__":
    main()
