"""Simulated hospitals: each has its own CT scanner(s) and case mix; one site is held out entirely.

A case is fully determined by (site, split, index): its seed, label (the site's class mix, exact proportions,
deterministically shuffled), severity and scanner settings. `build_cache` renders the phantoms and stores the
studio-contract samplings (float16 of the normalised 16x128x128 input; training cases 4 samplings, test cases the
studio's 3) plus the lesion masks on the model grid.

    /usr/bin/python3 -m ct.sites --out ct/cache --processes 2          # every site, default sizes
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from .phantom import CLASSES, Scanner, make_case
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


SITES = [
    Site("A", (0.20, 0.50, 0.15, 0.15), (5.0, 7.5), ("standard",), (12, 20), (340, 370), 0.0, 36, 12,
         note="COVID-19 centre: thick slices (40-65 slices), standard kernel, normal dose"),
    Site("B", (0.40, 0.20, 0.20, 0.20), (1.5, 2.0), ("sharp",), (25, 35), (360, 400), 5.0, 30, 12,
         note="thin slices (130-200), sharp lung kernel, normal dose"),
    Site("C", (0.30, 0.10, 0.20, 0.40), (2.5, 3.0), ("soft",), (8, 14), (330, 360), -6.0, 24, 12,
         note="few COVID-19, many bacterial pneumonias; soft kernel, high dose"),
    Site("D", (0.25, 0.35, 0.30, 0.10), (3.0, 4.0, 5.0), ("standard", "soft"), (35, 50), (380, 420), 12.0, 30, 12,
         note="low-dose protocol (noisy), large field of view, +12 HU calibration offset"),
    Site("E", (0.25, 0.25, 0.25, 0.25), (1.25, 1.5, 2.0), ("sharp", "standard"), (25, 45), (340, 380), -10.0, 0, 24,
         held_out=True, note="held out entirely (never trained on): other vendor, thin slices, -10 HU offset"),
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
    sc = Scanner(thickness_mm=float(rng.choice(site.thickness_mm)), kernel=str(rng.choice(site.kernel)),
                 noise_hu=float(rng.uniform(*site.noise_hu)), fov_mm=float(rng.uniform(*site.fov_mm)),
                 hu_offset=site.hu_offset + float(rng.normal(0, 3)), size=size)
    return {"site": site.name, "split": split, "index": i, "seed": seed, "label": int(labels[i]), "scanner": sc}


def render(spec: dict, count: int):
    ct = make_case(spec["seed"], spec["label"], spec["scanner"])
    xs, ms = [], []
    for k in range(count):
        idx = sample_slice_indices(ct.hu.shape[0], k, count)
        xs.append(to_model_input(ct.hu, idx).astype(np.float16))
        ms.append(mask_to_input(ct.lesion, idx))
    meta = dict(ct.meta)
    meta["scanner"] = asdict(spec["scanner"])
    meta["site"] = spec["site"]
    return np.stack(xs), np.stack(ms), meta


def _render_job(args):
    site_name, split, i, size, n = args
    site = SITE_BY_NAME[site_name]
    count = TRAIN_SAMPLINGS if split == "train" else TEST_SAMPLINGS
    return render(case_spec(site, split, i, size, n), count)


def build_cache(out: Path, sites=SITES, processes: int = 2, scale: float = 1.0, log=print, size: int = 128):
    """Renders every site's splits into out/<site>_<split>.npz (x float16 [n, samplings, 16, 128, 128],
    mask uint8 same shape, y int64 [n], meta JSON). `scale` shrinks (smoke tests) or enlarges (GPU runs) the case counts."""
    out.mkdir(parents=True, exist_ok=True)
    for site in sites:
        for split in ("train", "test"):
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
    ap.add_argument("--render-size", type=int, default=128,
                    help="phantom pixels per row (the cache is always the 16x128x128 contract input; smoke: 64)")
    args = ap.parse_args(argv)
    sites = [SITE_BY_NAME[s] for s in args.sites.split(",")] if args.sites else SITES
    build_cache(args.out, sites, args.processes, args.scale, size=args.render_size)


if __name__ == "__main__":
    main()
