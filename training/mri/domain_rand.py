"""Domain randomisation for the phantom training slices, in the spirit of SynthSeg (Billot et al., Medical Image
Analysis 2023): images are drawn from label maps with random intensities per label, so the network cannot rely on
one contrast. Every step is a pure function of its inputs and a numpy Generator (tested in tests/test_domain_rand.py).

A DR cache entry (`build_dr_cache`) is one phantom slice on the 1.5 mm, 192x192 cache grid: the rendered image, its
label map, and the label maps of the same frame at depths -5, -2.5, +2.5, +5 mm around it (`PLANE_OFFSETS_MM`),
which give true through-plane partial volume for slice thicknesses 5-10 mm.

`make_sample_dr` turns an entry into a training sample:
1. geometry (`sample_geometry` + `warp`): rotation +-180 deg, log-uniform scale 0.75-1.35 with +-10 % anisotropy,
   flips, translation +-12.5 %, and a smooth elastic displacement field (up to ~4 px = 6 mm), applied with one
   sampler to the image (bilinear) and all label planes (nearest);
2. intensities, one of
   - synthetic (probability `p_synth`): a tissue map (`tissue_map`) = the 4 labels split into sub-tissues
     (blood / trabeculae-papillary muscles by intensity inside RV and LV) + the surrounding anatomy split into 3-8
     intensity-quantile classes of the rendered image (fat, muscle, lung, liver, ... whatever falls together); every
     tissue gets a random mean in [0, 1] and a random standard deviation (Gaussian mixture), with a little smooth
     texture; each of the five depth planes is drawn with the same tissue parameters and averaged over a random
     slice thickness (5-10 mm) (`synthesize`);
   - realistic: the rendered phantom image through a random intensity curve (monotone or not) (`random_lut`);
3. random extra "organs" in the background (ellipses of random intensity, away from the heart) (`add_distractors`);
4. acquisition (`acquire`): in-plane resolution 0.6-2.5 mm (PSF blur, down- and up-sampling), bias field, gamma,
   contrast inversion, k-space artefacts (truncation ringing, motion ghosts along a random phase-encode axis, a
   spike), Rician noise, 8-bit quantisation, black field-of-view borders (circle or rectangle);
5. the contract's per-slice z-score, and the ground-truth direction field of the (centre-plane) label.
"""
from __future__ import annotations

import math
from multiprocessing import Pool

import numpy as np
from scipy import ndimage

from .direction_field import direction_field
from .phantom import _grid, _label_at, make_subject, render_slice
from .preprocess import CROP, resample_to_model_grid, zscore

PLANE_OFFSETS_MM = (-5.0, -2.5, 2.5, 5.0)
CACHE_SIZE = 192
BG, RV, MYO, LV = 0, 1, 2, 3


# ----------------------------------------------------------------------------------------------------------- cache
def render_dr_slice(seed: int, index: int, size: int = CACHE_SIZE):
    """(image float32 [size,size], label uint8 [size,size], planes uint8 [4,size,size]) of one random slice/frame of
    training subject `seed` on the 1.5 mm grid."""
    assert 0 <= seed < 900_000, "training seeds only"
    s = make_subject(seed)
    rng = np.random.default_rng([seed, 11, index])
    k = int(rng.integers(0, s.n_slices))
    t = 0 if rng.random() < 0.3 else int(rng.integers(0, s.n_frames))
    img, lab = render_slice(s, k, t)
    X, Y = _grid(s)
    z = s.z0 + k * s.dz
    sp = (s.spacing, s.spacing)
    planes = [resample_to_model_grid(_label_at(s, X, Y, z + dz, t), sp, order=0, crop=size) for dz in PLANE_OFFSETS_MM]
    return (resample_to_model_grid(img, sp, crop=size).astype(np.float32),
            resample_to_model_grid(lab, sp, order=0, crop=size).astype(np.uint8),
            np.stack(planes).astype(np.uint8))


def _job(a):
    return render_dr_slice(*a)


def build_dr_cache(seeds, per_subject: int, processes: int = 1, size: int = CACHE_SIZE):
    jobs = [(int(sd), i, size) for sd in seeds for i in range(per_subject)]
    if processes > 1:
        with Pool(processes) as pool:
            out = pool.map(_job, jobs, chunksize=4)
    else:
        out = [_job(j) for j in jobs]
    imgs = np.stack([o[0] for o in out])
    scale = np.percentile(imgs.reshape(len(imgs), -1), 99.9, axis=1).reshape(-1, 1, 1) + 1e-6
    return (imgs / scale).astype(np.float16), np.stack([o[1] for o in out]), np.stack([o[2] for o in out])


# -------------------------------------------------------------------------------------------------------- geometry
def sample_geometry(rng, size_in: int, size_out: int = CROP, elastic: bool = True) -> np.ndarray:
    """Sampling coordinates [2, size_out, size_out] (row, col) into a size_in grid: random affine + elastic field."""
    a = rng.uniform(-math.pi, math.pi)
    s = math.exp(rng.uniform(math.log(0.75), math.log(1.35)))
    aniso = math.exp(rng.uniform(-0.1, 0.1))
    m = s * np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]) @ np.diag([aniso, 1 / aniso])
    m = m @ np.diag([rng.choice([-1, 1]), rng.choice([-1, 1])])
    t = rng.uniform(-0.125, 0.125, 2) * size_out
    c_in, c_out = (size_in - 1) / 2, (size_out - 1) / 2
    i, j = np.mgrid[0:size_out, 0:size_out].astype(np.float64) - c_out
    coords = np.einsum("ab,bij->aij", m, np.stack([i, j])) + (c_in + t)[:, None, None]
    if elastic and rng.random() < 0.8:
        coords = coords + elastic_field(rng, size_out, amplitude=rng.uniform(0.5, 4.0), grid=int(rng.integers(4, 9)))
    return coords


def elastic_field(rng, size: int, amplitude: float, grid: int = 6) -> np.ndarray:
    """Smooth displacement [2, size, size] in pixels: Gaussian control points on a grid x grid lattice, cubic
    up-sampling, scaled so that the largest displacement is `amplitude`."""
    ctrl = rng.standard_normal((2, grid, grid))
    f = np.stack([ndimage.zoom(c, size / grid, order=3, mode="nearest")[:size, :size] for c in ctrl])
    return f * (amplitude / (np.abs(f).max() + 1e-9))


def warp(array: np.ndarray, coords: np.ndarray, order: int) -> np.ndarray:
    return ndimage.map_coordinates(array, coords, order=order, mode="constant", cval=0, prefilter=False)


# --------------------------------------------------------------------------------------------------------- tissues
def tissue_map(image: np.ndarray, label: np.ndarray, n_bg: int) -> tuple[np.ndarray, int]:
    """Sub-tissue ids [H,W] int: 0..n_bg-1 = intensity-quantile classes of the background (label 0); then
    n_bg + 0 RV blood, +1 RV trabeculae (RV pixels darker than 0.6 x the RV median), +2 MYO, +3 LV blood,
    +4 LV papillary muscles / trabeculae (LV pixels darker than 0.6 x the LV median). Returns (map, n_tissues)."""
    t = np.zeros(label.shape, np.int16)
    bg = label == BG
    if bg.any():
        smooth = ndimage.gaussian_filter(image, 1.0)          # classes of tissue, not of noise
        edges = np.quantile(smooth[bg], np.linspace(0, 1, n_bg + 1)[1:-1])
        t[bg] = np.searchsorted(edges, smooth[bg]).astype(np.int16)
    for lab, base in ((RV, 0), (LV, 3)):
        m = label == lab
        if m.any():
            dark = image < 0.6 * np.median(image[m])
            t[m] = n_bg + base
            t[m & dark] = n_bg + base + 1
    t[label == MYO] = n_bg + 2
    return t, n_bg + 5


def plane_tissues(centre_tissue: np.ndarray, centre_label: np.ndarray, plane_label: np.ndarray, n_bg: int):
    """Tissue map of a neighbouring depth plane: its heart labels give RV / MYO / LV tissues (the centre's sub-tissue
    where the centre has the same label); its background takes the centre's background class, or where the centre
    is heart, the class of the nearest centre background pixel."""
    heart_c = centre_label > 0
    if heart_c.any() and (~heart_c).any():
        _, (ir, ic) = ndimage.distance_transform_edt(heart_c, return_indices=True)
        bg_fill = centre_tissue[ir, ic]
    else:
        bg_fill = centre_tissue
    main = {RV: n_bg + 0, MYO: n_bg + 2, LV: n_bg + 3}
    out = np.where(plane_label == BG, bg_fill, 0).astype(np.int16)
    for lab, tid in main.items():
        m = plane_label == lab
        out[m] = np.where(centre_label[m] == lab, centre_tissue[m], tid)
    return out


def sample_tissue_params(rng, n_bg: int, n_tissues: int, min_contrast: float = 0.12):
    """Random Gaussian-mixture parameters (means in [0,1], sds in [0, 0.07]). The cavities and the myocardium are
    kept at least `min_contrast` apart (otherwise the labels are undefined by the image)."""
    while True:
        mu = rng.uniform(0, 1, n_tissues)
        rvb, rvt, myo, lvb, lvp = (mu[n_bg + i] for i in range(5))
        if abs(lvb - myo) >= min_contrast and abs(rvb - myo) >= min_contrast:
            break
    # trabeculae / papillary muscles: between the blood and the myocardium, nearer the myocardium
    mu[n_bg + 1] = rvb + rng.uniform(0.5, 1.0) * (myo - rvb)
    mu[n_bg + 4] = lvb + rng.uniform(0.5, 1.0) * (myo - lvb)
    sd = rng.uniform(0, 0.07, n_tissues)
    return mu, sd


def synthesize(tissue_planes, weights, mu, sd, rng, texture: float = 0.0) -> np.ndarray:
    """Weighted average over depth planes of the Gaussian-mixture image drawn from each plane's tissue map (the same
    per-pixel noise in every plane): through-plane partial volume."""
    noise = rng.standard_normal(tissue_planes[0].shape)
    img = np.zeros(tissue_planes[0].shape, np.float64)
    for t, w in zip(tissue_planes, weights):
        if w > 0:
            img += w * (mu[t] + sd[t] * noise)
    img /= max(sum(weights), 1e-9)
    if texture > 0:
        f = ndimage.gaussian_filter(rng.standard_normal(img.shape), rng.uniform(2, 6))
        img = img * (1 + texture * f / (f.std() + 1e-9))
    return np.clip(img, 0, None).astype(np.float32)


def thickness_weights(thickness_mm: float, offsets=(0.0,) + PLANE_OFFSETS_MM, spacing_mm: float = 2.5) -> list[float]:
    """Weights of the planes at `offsets` (each standing for +-spacing/2 around it) for a box slice profile of the
    given thickness centred on plane 0: the overlap of each plane's interval with the slab, in plane units."""
    half = thickness_mm / 2
    return [max(0.0, min(o + spacing_mm / 2, half) - max(o - spacing_mm / 2, -half)) / spacing_mm for o in offsets]


def random_lut(x: np.ndarray, rng, monotone: bool = True, points: int = 6) -> np.ndarray:
    """A random piecewise-linear intensity curve on x normalised to [0, 1] (monotone increasing, or arbitrary)."""
    x = np.clip(x / (np.percentile(x, 99.5) + 1e-6), 0, 1.2)
    xp = np.linspace(0, 1.2, points)
    yp = np.sort(rng.uniform(0, 1, points)) if monotone else rng.uniform(0, 1, points)
    if monotone:
        yp[0] = min(yp[0], 0.05)
    return np.interp(x, xp, yp).astype(np.float32)


def add_distractors(img: np.ndarray, label: np.ndarray, rng, n: int, margin_px: float = 3.0) -> np.ndarray:
    """Paint n random soft ellipses (random intensity) on the background, at least margin_px from the heart."""
    h, w = img.shape
    heart = label > 0
    far = ndimage.distance_transform_edt(~heart) > margin_px if heart.any() else np.ones_like(heart)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    out = img.copy()
    for _ in range(n):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        a, b = rng.uniform(3, 30), rng.uniform(3, 30)
        th = rng.uniform(0, math.pi)
        u = ((xx - cx) * math.cos(th) + (yy - cy) * math.sin(th)) / a
        v = (-(xx - cx) * math.sin(th) + (yy - cy) * math.cos(th)) / b
        m = 1 / (1 + np.exp(np.clip((np.sqrt(u * u + v * v) - 1) * rng.uniform(3, 12), -30, 30)))
        m = m * far
        out = out * (1 - m) + rng.uniform(0, 1) * m
    return out.astype(np.float32)


# ----------------------------------------------------------------------------------------------------- acquisition
def simulate_resolution(img: np.ndarray, resolution_mm: float, grid_mm: float = 1.5) -> np.ndarray:
    """Acquire at `resolution_mm` in-plane (PSF blur of 0.45 x the voxel, box down-sampling when coarser than the
    grid) and resample back to the grid (bilinear)."""
    f = resolution_mm / grid_mm
    out = ndimage.gaussian_filter(img, 0.45 * f) if f > 0.5 else img
    if f > 1.05:
        n = img.shape[0]
        small = ndimage.zoom(out, 1 / f, order=1, mode="nearest")
        out = ndimage.zoom(small, n / small.shape[0], order=1, mode="nearest")
        out = out[:n, :n] if out.shape[0] >= n else np.pad(out, ((0, n - out.shape[0]), (0, n - out.shape[1])), mode="edge")
    return out.astype(np.float32)


def bias_field(shape, rng, strength: float) -> np.ndarray:
    """Smooth multiplicative field exp(strength * f), f a low-resolution random field (4x4 control points)."""
    ctrl = rng.standard_normal((4, 4))
    f = ndimage.zoom(ctrl, shape[0] / 4, order=3, mode="nearest")[: shape[0], : shape[1]]
    return np.exp(strength * f / (np.abs(f).max() + 1e-9)).astype(np.float32)


def kspace_artefacts(img: np.ndarray, rng, truncate: float = 1.0, ghost_lines: float = 0.0, ghost_shift: float = 0.0,
                     spike: bool = False, axis: int = 0) -> np.ndarray:
    """Complex k-space effects on a magnitude image: keep the central `truncate` fraction along both axes (ringing);
    a random `ghost_lines` fraction of phase-encode lines (along `axis`) acquired with the object shifted by
    `ghost_shift` px (motion ghosts); optionally one spike (herringbone)."""
    k = np.fft.fftshift(np.fft.fft2(img))
    n0, n1 = img.shape
    if truncate < 1:
        r0 = np.abs(np.arange(n0) - n0 // 2) <= truncate * n0 / 2
        r1 = np.abs(np.arange(n1) - n1 // 2) <= truncate * n1 / 2
        k = k * (r0[:, None] & r1[None, :])
    if ghost_lines > 0 and ghost_shift != 0:
        n = img.shape[axis]
        lines = rng.random(n) < ghost_lines
        freq = (np.arange(img.shape[1 - axis]) - img.shape[1 - axis] // 2) / img.shape[1 - axis]
        phase = np.exp(-2j * np.pi * freq * ghost_shift)
        if axis == 0:
            k[lines, :] *= phase[None, :]
        else:
            k[:, lines] *= phase[:, None]
    if spike:
        i, j = rng.integers(0, n0), rng.integers(0, n1)
        k[i, j] += np.abs(k).max() * rng.uniform(0.05, 0.3)
    return np.abs(np.fft.ifft2(np.fft.ifftshift(k))).astype(np.float32)


def rician(img: np.ndarray, sigma: float, rng) -> np.ndarray:
    """|img + sigma (n1 + i n2)|: the magnitude of complex Gaussian noise (Rician)."""
    return np.hypot(img + sigma * rng.standard_normal(img.shape), sigma * rng.standard_normal(img.shape)).astype(np.float32)


def fov_mask(shape, rng) -> np.ndarray:
    """A circular or rectangular field of view (True inside), off-centre by a few pixels."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    cy, cx = (h - 1) / 2 + rng.uniform(-10, 10), (w - 1) / 2 + rng.uniform(-10, 10)
    if rng.random() < 0.5:
        r = rng.uniform(0.4, 0.75) * h
        return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    hh, hw = rng.uniform(0.3, 0.5) * h, rng.uniform(0.3, 0.5) * w
    return (np.abs(yy - cy) <= hh) & (np.abs(xx - cx) <= hw)


def acquire(img: np.ndarray, rng) -> np.ndarray:
    """The random acquisition chain (see the module docstring), img >= 0 roughly in [0, 1] -> raw image."""
    x = img / (np.percentile(img, 99.5) + 1e-6)
    x = simulate_resolution(x, rng.uniform(0.6, 2.5))
    if rng.random() < 0.8:
        x = x * bias_field(x.shape, rng, rng.uniform(0.1, 0.8))
    x = np.clip(x, 0, None) ** math.exp(rng.normal(0, 0.35))
    if rng.random() < 0.12:
        x = np.clip(x.max() - x, 0, None)                             # contrast inversion
    if rng.random() < 0.6:
        x = kspace_artefacts(x, rng, truncate=rng.uniform(0.45, 1.0) if rng.random() < 0.5 else 1.0,
                             ghost_lines=rng.uniform(0.05, 0.4) if rng.random() < 0.4 else 0.0,
                             ghost_shift=rng.uniform(-6, 6), spike=rng.random() < 0.05, axis=int(rng.integers(0, 2)))
    x = rician(x, rng.uniform(0.0, 0.08) * (np.percentile(x, 99) + 1e-6), rng)
    if rng.random() < 0.25:
        x = np.round(np.clip(x / (x.max() + 1e-9), 0, 1) * 255) / 255
    if rng.random() < 0.2:
        x = np.where(fov_mask(x.shape, rng), x, 0.0)
    return x.astype(np.float32)


# ---------------------------------------------------------------------------------------------------------- sample
def make_sample_dr(image: np.ndarray, label: np.ndarray, planes: np.ndarray, rng, p_synth: float = 0.65,
                   size: int = CROP):
    """(cache image, label, depth-plane labels) -> (z-scored input [size,size], label [size,size], DF [2,size,size])."""
    coords = sample_geometry(rng, image.shape[0], size)
    img = np.clip(warp(image.astype(np.float32), coords, 1), 0, None)
    lab = warp(label, coords, 0)
    if rng.random() < p_synth:
        n_bg = int(rng.integers(3, 9))
        centre, n_t = tissue_map(img, lab, n_bg)
        mu, sd = sample_tissue_params(rng, n_bg, n_t)
        thick = rng.uniform(5.0, 10.0)
        weights = thickness_weights(thick)
        tplanes = [centre] + [plane_tissues(centre, lab, warp(p, coords, 0), n_bg) if w > 0 else centre
                              for p, w in zip(planes, weights[1:])]
        x = synthesize(tplanes, weights, mu, sd, rng, texture=rng.uniform(0, 0.15))
    else:
        r = rng.random()
        x = random_lut(img, rng, monotone=r < 0.8) if r < 0.9 else img
    if rng.random() < 0.3:
        x = add_distractors(x, lab, rng, int(rng.integers(1, 6)))
    x = acquire(x, rng)
    return zscore(x), lab.astype(np.int64), direction_field(lab)


class DRBatcher:
    """Random batches from a DR cache (images, labels, planes), domain-randomised."""

    def __init__(self, images, labels, planes, batch_size: int, seed: int, p_synth: float = 0.65):
        self.images, self.labels, self.planes = images, labels, planes
        self.batch_size, self.p_synth = batch_size, p_synth
        self.rng = np.random.default_rng(seed)

    def next(self):
        idx = self.rng.integers(0, len(self.images), self.batch_size)
        xs, ys, dfs = zip(*(make_sample_dr(self.images[i], self.labels[i], self.planes[i], self.rng, self.p_synth)
                            for i in idx))
        return np.stack(xs)[:, None], np.stack(ys), np.stack(dfs)
