"""Training data: cached phantom slices on the model grid, augmented on the fly.

Seeds (disjoint by construction):
- training subjects:   0 .. 999_999
- held-out evaluation: 1_000_000 ..  (evaluate.py)
- e2e fixture:         2_000_000 ..  (make_fixture.py)

A cache entry is one rendered slice resampled (bilinear; labels nearest) to 1.5 mm/px on a 192x192 grid
centred like the contract crop, so that rotation/scale/translation augmentation can then cut the 128x128
model input with little empty border. Augmentation = what real scans vary in and the contract must absorb:
rotation +-180 deg, scale +-15 %, translation +-12.5 % (16 px), flips, gamma, saturation/windowing, bias field,
blur/sharpening, noise, 8-bit quantisation, black circular field-of-view borders; then the per-slice z-score.
"""
from __future__ import annotations

import math
from multiprocessing import Pool

import numpy as np
from scipy import ndimage

from .direction_field import direction_field
from .phantom import make_subject, render_slice
from .preprocess import CROP, resample_to_model_grid, zscore

TRAIN_SEED_MAX = 1_000_000
HELDOUT_SEED0 = 1_000_000
FIXTURE_SEED0 = 2_000_000
CACHE_SIZE = 192


def render_training_slice(seed: int, index: int, size: int = CACHE_SIZE, **subject_kwargs):
    """One random slice/frame of subject `seed` on the 1.5 mm grid (size x size), raw intensities."""
    assert 0 <= seed < TRAIN_SEED_MAX
    s = make_subject(seed, **subject_kwargs)
    rng = np.random.default_rng([seed, 7, index])
    k = int(rng.integers(0, s.n_slices))
    t = 0 if rng.random() < 0.25 else int(rng.integers(0, s.n_frames))
    img, lab = render_slice(s, k, t)
    sp = (s.spacing, s.spacing)
    return (resample_to_model_grid(img, sp, crop=size).astype(np.float32),
            resample_to_model_grid(lab, sp, order=0, crop=size).astype(np.uint8))


def _job(args):
    seed, index, size, kw = args
    return render_training_slice(seed, index, size, **kw)


def build_cache(seeds, per_subject: int, processes: int = 1, size: int = CACHE_SIZE, **subject_kwargs):
    jobs = [(int(sd), i, size, subject_kwargs) for sd in seeds for i in range(per_subject)]
    if processes > 1:
        with Pool(processes) as pool:
            out = pool.map(_job, jobs, chunksize=8)
    else:
        out = [_job(j) for j in jobs]
    imgs = np.stack([o[0] for o in out])
    labs = np.stack([o[1] for o in out])
    scale = np.percentile(imgs.reshape(len(imgs), -1), 99.9, axis=1).reshape(-1, 1, 1) + 1e-6
    return (imgs / scale).astype(np.float16), labs


def _affine(rng, size_in: int, size_out: int, geometric: bool):
    if not geometric:
        m = np.eye(2)
        t = np.zeros(2)
    else:
        a = rng.uniform(-math.pi, math.pi)
        s = math.exp(rng.uniform(math.log(0.85), math.log(1.15)))
        m = s * np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        m = m @ np.diag([rng.choice([-1, 1]), rng.choice([-1, 1])])
        t = rng.uniform(-0.125, 0.125, 2) * size_out
    c_in = (size_in - 1) / 2
    c_out = (size_out - 1) / 2
    offset = c_in + t - m @ np.array([c_out, c_out])
    return m, offset


def augment_intensity(x: np.ndarray, rng) -> np.ndarray:
    """x >= 0 raw slice on the model grid -> augmented raw slice (before z-score)."""
    n = x.shape[0]
    x = x / (np.percentile(x, 99.5) + 1e-6)
    if rng.random() < 0.5:                      # windowing that saturates fat/blood (8-bit exports)
        x = np.clip(x, 0, rng.uniform(0.5, 1.0))
    x = np.clip(x, 0, None) ** math.exp(rng.uniform(-0.45, 0.45))
    yy, xx = (np.mgrid[0:n, 0:n] - (n - 1) / 2) / n
    if rng.random() < 0.7:                      # smooth multiplicative bias field
        a, b, c, d = rng.normal(0, 0.35, 4)
        x = x * np.exp(a * xx + b * yy + c * (xx ** 2 + yy ** 2) * 2 + d * xx * yy * 2)
    r = rng.random()
    if r < 0.25:
        x = ndimage.gaussian_filter(x, rng.uniform(0.3, 1.0))
    elif r < 0.4:
        x = x + rng.uniform(0.3, 1.0) * (x - ndimage.gaussian_filter(x, rng.uniform(0.7, 1.5)))
    if rng.random() < 0.3:
        x = np.abs(x + rng.normal(0, rng.uniform(0.005, 0.05), x.shape))
    if rng.random() < 0.3:
        x = np.round(np.clip(x / x.max(), 0, 1) * 255) / 255
    if rng.random() < 0.2:                      # black border of a circular / distortion-corrected FOV
        cy, cx = rng.uniform(-12, 12, 2)
        radius = rng.uniform(62, 100)
        x = np.where(((yy * n - cy) ** 2 + (xx * n - cx) ** 2) > radius ** 2, 0.0, x)
    return x.astype(np.float32)


def make_sample(image: np.ndarray, label: np.ndarray, rng, augment: bool = True, size: int = CROP):
    """(cached image, label) -> (z-scored input [size,size], label [size,size], gt DF [2,size,size])."""
    m, off = _affine(rng, image.shape[0], size, augment)
    img = ndimage.affine_transform(image.astype(np.float32), m, off, output_shape=(size, size), order=1,
                                   mode="constant", cval=0.0, prefilter=False)
    lab = ndimage.affine_transform(label, m, off, output_shape=(size, size), order=0, mode="constant", cval=0)
    if augment:
        img = augment_intensity(np.clip(img, 0, None), rng)
    return zscore(img), lab.astype(np.int64), direction_field(lab)


class Batcher:
    """Random batches from a cache, augmented."""

    def __init__(self, images, labels, batch_size: int, seed: int, augment: bool = True):
        self.images, self.labels = images, labels
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        self.augment = augment

    def next(self):
        idx = self.rng.integers(0, len(self.images), self.batch_size)
        xs, ys, dfs = zip(*(make_sample(self.images[i], self.labels[i], self.rng, self.augment) for i in idx))
        return np.stack(xs)[:, None], np.stack(ys), np.stack(dfs)
