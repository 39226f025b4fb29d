"""Synthetic chest CT phantoms in Hounsfield units, deterministic by seed, with a lesion mask.

    ct = make_case(seed, label=1, scanner=Scanner(), severity=0.6)
    ct.hu        float32 [slices, rows, cols]   slice 0 = most superior (head side); rows run anterior -> posterior,
                                                 columns patient right -> left (radiological display, DICOM LPS)
    ct.lesion    uint8 same grid: 1 where the class's findings are (COVID GGO / crazy paving / consolidation,
                 viral GGO, bacterial consolidation); 0 for healthy. Incidental confounders are not in the mask.
    ct.spacing   (slice spacing, row spacing, column spacing) in mm; ct.origin: LPS mm of voxel (0, 0, 0)

Anatomy (all in mm, patient-specific random sizes): air outside (-1000), body outline with subcutaneous fat
(-100) and chest-wall muscle (+40), paraspinal muscles, spine (cortex +700, cancellous +250, discs +80, canal),
12 pairs of ribs running obliquely (bone +700 rim, marrow +250, anterior costal cartilage), sternum, scapulae,
mediastinal fat, heart with epicardial fat, aorta, pulmonary trunk, SVC, trachea / main bronchi / oesophagus,
diaphragm domes with liver and spleen below, lungs (-870, denser posteriorly) with a branching vessel tree
(+35) and airways (air lumen, soft-tissue walls).

Findings by class (0 healthy, 1 COVID-19, 2 other viral pneumonia, 3 bacterial pneumonia):
- COVID-19: multifocal, bilateral, peripheral (subpleural), posterior and lower-zone ground-glass opacities
  (-650..-300 HU, vessels still visible through them), crazy paving (thickened septa inside GGO) and, in later
  stages, consolidation (+20..+50) in the lesion cores.
- other viral: diffuse or central (peribronchovascular) patchy GGO of both lungs, bronchial wall thickening.
- bacterial: lobar or segmental consolidation (+20..+50), unilateral in ~80 %, with air bronchograms, a GGO rim,
  sometimes a small pleural effusion.
- healthy: none.
Confounders in every class: dependent (posterior) atelectasis bands, calcified granulomas, centrilobular
emphysema. Severity in [0, 1] scales number and size of findings.

Scanner effects (see `Scanner`): slice thickness (z partial volume), reconstruction kernel (smooth blur or
sharpening with edge overshoot), dose-dependent correlated noise, HU calibration offset, field of view;
values clipped to [-1024, 3071] as stored CT.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

HU_AIR, HU_FAT, HU_MUSCLE, HU_BLOOD, HU_BONE = -1000.0, -100.0, 40.0, 40.0, 700.0
HU_LUNG = -870.0
CLASSES = ["healthy", "covid19", "viral", "bacterial"]


@dataclass
class Scanner:
    """Acquisition and reconstruction settings of one simulated CT scanner."""
    thickness_mm: float = 2.5       # reconstructed slice thickness = spacing between slices
    noise_hu: float = 20.0          # noise std in a uniform region (before the kernel shapes it)
    kernel: str = "standard"        # "soft" | "standard" | "sharp"
    fov_mm: float = 360.0           # reconstruction field of view (square)
    size: int = 128                 # pixels per row/column
    hu_offset: float = 0.0          # calibration error
    noise_grain_mm: float = 1.2     # correlation length of the noise


@dataclass
class CTCase:
    hu: np.ndarray
    lesion: np.ndarray
    label: int
    spacing: tuple
    origin: tuple
    meta: dict = field(default_factory=dict)

    @property
    def class_name(self) -> str:
        return CLASSES[self.label]


# ---------------------------------------------------------------------------------------------------------------
# small geometric helpers (in-plane arrays are [rows, cols] = [y, x])

def _ellipse(X, Y, cx, cy, ax, ay):
    return ((X - cx) / ax) ** 2 + ((Y - cy) / ay) ** 2


def _capsule_dist(X, Y, p, q):
    """Distance from (X, Y) to the segment p-q in-plane."""
    px, py = p
    dx, dy = q[0] - px, q[1] - py
    L2 = dx * dx + dy * dy + 1e-9
    t = np.clip(((X - px) * dx + (Y - py) * dy) / L2, 0, 1)
    return np.hypot(X - px - t * dx, Y - py - t * dy)


def _smooth_noise(rng, shape, sigma_vox):
    n = ndimage.gaussian_filter(rng.standard_normal(shape).astype(np.float32), sigma_vox, mode="wrap")
    s = n.std()
    return n / (s if s > 0 else 1.0)


class _Grid:
    """Voxel centres in LPS mm: x (cols, right->left), y (rows, anterior->posterior), z (slices, superior->inferior
    means decreasing z)."""

    def __init__(self, n_slices, size, pixel, dz, z_top):
        self.D, self.N, self.p, self.dz = n_slices, size, pixel, dz
        c = (np.arange(size) - (size - 1) / 2) * pixel
        self.x = c.astype(np.float32)
        self.y = c.astype(np.float32)
        self.z = (z_top - np.arange(n_slices) * dz).astype(np.float32)
        self.X, self.Y = np.meshgrid(self.x, self.y)  # [rows, cols]

    def index(self, x, y, z):
        return ((self.z[0] - z) / self.dz, y / self.p + (self.N - 1) / 2, x / self.p + (self.N - 1) / 2)


def _stamp_cone(vol, grid, a, b, ra, rb, soft=None):
    """Max-composite a soft tube from point a to b (mm, (x, y, z)) with radius ra -> rb into vol [D, N, N]."""
    soft = soft or grid.p * 0.7
    r = max(ra, rb) + soft
    lo = np.minimum(a, b) - r
    hi = np.maximum(a, b) + r
    k0 = int(max(0, math.floor((grid.z[0] - hi[2]) / grid.dz)))
    k1 = int(min(grid.D, math.ceil((grid.z[0] - lo[2]) / grid.dz) + 1))
    i0 = int(max(0, math.floor(lo[1] / grid.p + (grid.N - 1) / 2)))
    i1 = int(min(grid.N, math.ceil(hi[1] / grid.p + (grid.N - 1) / 2) + 1))
    j0 = int(max(0, math.floor(lo[0] / grid.p + (grid.N - 1) / 2)))
    j1 = int(min(grid.N, math.ceil(hi[0] / grid.p + (grid.N - 1) / 2) + 1))
    if k0 >= k1 or i0 >= i1 or j0 >= j1:
        return
    zz = grid.z[k0:k1, None, None]
    yy = grid.y[None, i0:i1, None]
    xx = grid.x[None, None, j0:j1]
    d = np.asarray(b, np.float32) - np.asarray(a, np.float32)
    L2 = float(d @ d) + 1e-9
    t = ((xx - a[0]) * d[0] + (yy - a[1]) * d[1] + (zz - a[2]) * d[2]) / L2
    t = np.clip(t, 0, 1)
    dist = np.sqrt((xx - a[0] - t * d[0]) ** 2 + (yy - a[1] - t * d[1]) ** 2 + (zz - a[2] - t * d[2]) ** 2)
    rad = ra + (rb - ra) * t
    frac = np.clip((rad - dist) / soft + 0.5, 0, 1)
    np.maximum(vol[k0:k1, i0:i1, j0:j1], frac, out=vol[k0:k1, i0:i1, j0:j1])


def _blob_field(grid, centres, radii, rng, noise, wobble=0.35, edge=0.3):
    """Union (max) of soft ellipsoids with noise-perturbed surfaces; returns opacity in [0, 1] [D, N, N] and a
    per-voxel index of the blob that owns the voxel (-1 none)."""
    out = np.zeros((grid.D, grid.N, grid.N), np.float32)
    owner = np.full(out.shape, -1, np.int16)
    for n, (c, r) in enumerate(zip(centres, radii)):
        rmax = max(r) * (1 + wobble + edge)
        k0 = int(max(0, math.floor((grid.z[0] - c[2] - rmax) / grid.dz)))
        k1 = int(min(grid.D, math.ceil((grid.z[0] - c[2] + rmax) / grid.dz) + 1))
        i0 = int(max(0, math.floor((c[1] - rmax) / grid.p + (grid.N - 1) / 2)))
        i1 = int(min(grid.N, math.ceil((c[1] + rmax) / grid.p + (grid.N - 1) / 2) + 1))
        j0 = int(max(0, math.floor((c[0] - rmax) / grid.p + (grid.N - 1) / 2)))
        j1 = int(min(grid.N, math.ceil((c[0] + rmax) / grid.p + (grid.N - 1) / 2) + 1))
        if k0 >= k1 or i0 >= i1 or j0 >= j1:
            continue
        zz = grid.z[k0:k1, None, None]
        yy = grid.y[None, i0:i1, None]
        xx = grid.x[None, None, j0:j1]
        d = np.sqrt(((xx - c[0]) / r[0]) ** 2 + ((yy - c[1]) / r[1]) ** 2 + ((zz - c[2]) / r[2]) ** 2)
        d = d - wobble * noise[k0:k1, i0:i1, j0:j1]
        a = np.clip((1 - d) / edge + 0.5, 0, 1).astype(np.float32)
        sub = out[k0:k1, i0:i1, j0:j1]
        owner[k0:k1, i0:i1, j0:j1][a > sub] = n
        np.maximum(sub, a, out=sub)
    return out, owner


# ---------------------------------------------------------------------------------------------------------------
# anatomy

@dataclass
class _Patient:
    lung_h: float
    ax: float
    ay: float
    fat: float
    muscle: float
    heart: tuple
    dome_r: float
    dome_l: float
    vert_r: float
    rib_pitch: float
    rib_drop: float
    cy: float


def _patient(rng) -> _Patient:
    ax = rng.uniform(132, 168)
    return _Patient(
        lung_h=rng.uniform(215, 270), ax=ax, ay=ax * rng.uniform(0.62, 0.74), fat=rng.uniform(4, 20),
        muscle=rng.uniform(5, 10),
        heart=(rng.uniform(18, 34), rng.uniform(-32, -18), rng.uniform(0.66, 0.74), rng.uniform(52, 64),
               rng.uniform(42, 52), rng.uniform(48, 60), rng.uniform(-0.5, -0.2)),
        dome_r=rng.uniform(0.66, 0.76), dome_l=0.0, vert_r=rng.uniform(16, 20),
        rib_pitch=rng.uniform(20, 24), rib_drop=rng.uniform(45, 70), cy=rng.uniform(-8, 8),
    )


def _fill_rows(mask):
    """Row-wise fill between the leftmost and rightmost True pixel (a mediastinum from its organs)."""
    rows = mask.any(1)
    if not rows.any():
        return mask
    N = mask.shape[1]
    left = np.argmax(mask, 1)
    right = N - 1 - np.argmax(mask[:, ::-1], 1)
    cols = np.arange(N)[None, :]
    return (cols >= left[:, None]) & (cols <= right[:, None]) & rows[:, None]


def _render_anatomy(grid: _Grid, P: _Patient, rng):
    """Returns hu [D,N,N], lung id (0 none, 1 right, 2 left) and the body mask."""
    D, N = grid.D, grid.N
    X, Y = grid.X, grid.Y
    hu = np.full((D, N, N), HU_AIR, np.float32)
    lung = np.zeros((D, N, N), np.uint8)
    body_mask = np.zeros((D, N, N), bool)
    P.dome_l = P.dome_r + rng.uniform(0.03, 0.07)
    hx, hy, ht, hrx, hry, hrz, hrot = P.heart
    cos_h, sin_h = math.cos(hrot), math.sin(hrot)
    oes_air = rng.random() < 0.6
    for k in range(D):
        t = -grid.z[k] / P.lung_h            # 0 at the lung apex, 1 at the lung base
        grow = 0.88 + 0.12 * min(1.0, max(0.0, (t + 0.25) / 0.6))
        ax, ay = P.ax * grow, P.ay * (0.94 + 0.06 * grow)
        cy = P.cy
        Yb = np.where(Y > cy, (Y - cy) * 1.1, Y - cy)   # flattened posteriorly (lying on the table)
        body = _ellipse(X, Yb, 0, 0, ax, ay) <= 1
        sub = _ellipse(X, Yb, 0, 0, ax - P.fat, ay - P.fat * 0.8) <= 1
        cav_ax, cav_ay = ax - P.fat - P.muscle - 9, ay - P.fat * 0.8 - P.muscle - 9
        cav_cy = cy + 3
        cav = _ellipse(X, Y, 0, cav_cy, cav_ax, cav_ay) <= 1
        sl = np.full((N, N), HU_AIR, np.float32)
        sl[body] = HU_FAT
        sl[sub] = HU_MUSCLE
        sl[cav] = 55.0                                  # abdominal organs where nothing else is drawn
        table = (np.abs(Y - (cy + ay * 1.1 + 14 + 0.0008 * X ** 2)) < 2.5) & (np.abs(X) < ax * 1.15)
        sl[table] = 150.0
        organs = np.zeros((N, N), bool)                 # mediastinal structures (soft tissue, vessels, airway)
        def put(m, v):
            nonlocal organs
            sl[m] = v
            organs |= m
        # spine
        vb_y = cav_cy + cav_ay - P.vert_r * 0.75
        level = (grid.z[k] % 26.0) < 5.0
        vb = _ellipse(X, Y, 0, vb_y, P.vert_r * 1.1, P.vert_r) <= 1
        vb_in = _ellipse(X, Y, 0, vb_y, P.vert_r * 1.1 - 2.2, P.vert_r - 2.2) <= 1
        canal_y = vb_y + P.vert_r + 9
        arch = (np.hypot(X, Y - canal_y) < 14) | (_capsule_dist(X, Y, (0, canal_y), (0, canal_y + 32)) < 4) \
            | (_capsule_dist(X, Y, (-28, canal_y - 2), (28, canal_y - 2)) < 4.5)
        para = (_ellipse(X, Y, -34, canal_y + 16, 20, 26) <= 1) | (_ellipse(X, Y, 34, canal_y + 16, 20, 26) <= 1)
        sl[para & sub & ~cav] = 50.0
        sl[arch & body] = 600.0
        sl[np.hypot(X, Y - canal_y) < 8] = 15.0
        if level:
            sl[vb] = 80.0
        else:
            sl[vb] = HU_BONE
            sl[vb_in] = 250.0
        spine_excl = _ellipse(X, Y, 0, vb_y, P.vert_r * 1.1 + 6, P.vert_r + 6) <= 1
        # heart with epicardial fat
        dzh = (grid.z[k] + ht * P.lung_h) / hrz
        if abs(dzh) < 1:
            sc = math.sqrt(1 - dzh ** 2)
            Xr = (X - hx) * cos_h + (Y - hy) * sin_h
            Yr = -(X - hx) * sin_h + (Y - hy) * cos_h
            e = (Xr / (hrx * sc + 1e-3)) ** 2 + (Yr / (hry * sc + 1e-3)) ** 2
            put(cav & (e <= (1 + 5 / (hrx * sc + 1)) ** 2), HU_FAT + 10)
            put(cav & (e <= 1), HU_BLOOD)
        # great vessels
        if 0.12 < t < 0.6:
            put(cav & (np.hypot(X + 22, Y + 12) < 9), HU_BLOOD)          # SVC
        if 0.28 < t < 0.6:
            put(cav & (np.hypot(X - 6, Y + 14) < 14), HU_BLOOD)          # ascending aorta
        if 0.2 < t <= 0.29:
            put(cav & (_capsule_dist(X, Y, (6, -14), (20, vb_y - 22)) < 12), HU_BLOOD)  # arch
        if t > 0.24:
            put(cav & (np.hypot(X - 20, Y - (vb_y - 22)) < 11), HU_BLOOD)  # descending aorta
        if 0.4 < t < 0.52:
            put(cav & (np.hypot(X - 16, Y + 30) < 13), HU_BLOOD)          # pulmonary trunk
            put(cav & ((_capsule_dist(X, Y, (16, -30), (46, -6)) < 8) | (_capsule_dist(X, Y, (10, -18), (-44, -6)) < 8)), HU_BLOOD)
        # trachea, main bronchi, oesophagus
        ty = vb_y - P.vert_r - 26
        if t < 0.38:
            tr = np.hypot(X, Y - ty)
            put(tr < 11, 30.0)
            sl[tr < 9] = HU_AIR
        elif t < 0.5:
            f = (t - 0.38) / 0.12
            for sign in (-1, 1):
                br = np.hypot(X - sign * 40 * f, Y - ty)
                put(cav & (br < 8.5), 30.0)
                sl[cav & (br < 6.5)] = HU_AIR
        if t < 0.98:
            oe = np.hypot(X - 8, Y - (vb_y - P.vert_r - 7))
            put(cav & (oe < 7), 35.0)
            if oes_air:
                sl[cav & (oe < 2)] = HU_AIR
        # sternum (outside the cavity, anterior)
        if 0.16 < t < 0.9:
            st_y = cav_cy - cav_ay - 5
            sl[(np.abs(X) < 14) & (np.abs(Y - st_y) < 6)] = 600.0
            sl[(np.abs(X) < 11) & (np.abs(Y - st_y) < 3.5)] = 220.0
        # mediastinum = row-wise hull of the central structures + a thin anterior junction strip
        strip = cav & (np.abs(X - 2) < 7 + 5 * np.clip((Y - cav_cy) / cav_ay + 0.2, 0, 1))
        med = _fill_rows(ndimage.binary_dilation(organs | strip | vb, iterations=1) & cav)
        sl[med & ~organs & ~vb & ~vb_in & (sl != HU_AIR)] = HU_FAT
        sl[med & (sl == 55.0)] = HU_FAT
        # lungs
        s = float(np.clip(math.sqrt(max(t + 0.04, 0) / 0.24), 0, 1)) if t < 0.2 else 1.0
        inner = _ellipse(X, Y, 0, cav_cy, cav_ax - 1.5, cav_ay - 1.5) <= 1
        for side, sign, dome_t in ((1, -1, P.dome_r), (2, 1, P.dome_l)):
            m = inner & ~med & ~spine_excl & (sign * X > 0)
            if s < 1:   # apex: rounded cap over the posterior part of each hemithorax
                lcx, lcy = sign * cav_ax * 0.5, cav_cy + cav_ay * 0.15
                m &= _ellipse(X, Y, lcx, lcy, max(cav_ax * 0.5 * s, 1e-3), max(cav_ay * 0.85 * s, 1e-3)) <= 1
            if t > dome_t:   # diaphragm dome from below, anterior-centred so the posterior recess goes last
                f = (t - dome_t) / (1.1 - dome_t)
                rd = cav_ax * 0.8 * math.sqrt(min(f, 1.5))
                dome = _ellipse(X, Y, sign * cav_ax * 0.45, cav_cy - cav_ay * 0.3, rd, rd * 1.1) <= 1
                m &= ~dome
                sl[inner & dome & (sign * X > -10) & ~organs & ~med] = 58.0 if side == 1 else 45.0
            if t < -0.04 or t > 1.12:
                m[:] = False
            lung[k][m] = side
        hu[k] = sl
        body_mask[k] = body
        _ribs_and_scapula(hu[k], X, Y, grid.z[k], t, P, cav_ax, cav_ay, cav_cy, body)
        lm = lung[k] > 0
        grad = np.clip((Y - cav_cy) / cav_ay, -1, 1)
        hu[k][lm] = HU_LUNG + 45 * grad[lm]
    return hu, lung, body_mask


def _ribs_and_scapula(sl, X, Y, z, t, P, cav_ax, cav_ay, cav_cy, body):
    Yc = Y - cav_cy
    phi = np.arctan2(np.abs(X), Yc) / math.pi            # 0 posterior midline -> 1 anterior midline
    rad = np.sqrt((X / cav_ax) ** 2 + (Yc / cav_ay) ** 2)  # 1 on the cavity boundary
    scale = (cav_ax + cav_ay) / 2
    rib_band = (rad > 1 + 2 / scale) & (rad < 1 + 11 / scale) & body
    for i in range(12):
        z0 = 15 - i * P.rib_pitch                       # posterior end of rib i (first rib above the apex)
        zr = z0 - P.rib_drop * np.clip(phi - 0.1, 0, 1) ** 1.2 * (0.6 + 0.04 * i)
        on = rib_band & (np.abs(z - zr) < 5.5) & (phi > 0.1) & (phi < 0.85 - 0.015 * i)
        if not on.any():
            continue
        core = on & (rad > 1 + 4.5 / scale) & (rad < 1 + 8.5 / scale) & (np.abs(z - zr) < 3.2)
        cart = on & (phi > 0.72 - 0.015 * i)
        sl[on] = HU_BONE
        sl[core] = 250.0
        sl[cart] = 140.0
    if -0.12 < t < 0.45:
        scap = body & (rad > 1 + 15 / scale) & (rad < 1 + 21 / scale) & (phi > 0.16) & (phi < 0.42)
        sl[scap] = 550.0


def _vessel_and_airway_trees(grid: _Grid, lung, P: _Patient, rng, wall_mm: float, n_branch: int):
    """Soft vessel fraction, airway wall fraction and airway lumen fraction volumes: a three-level tree per lung
    from the hilum (lobar -> segmental -> peripheral branches), bronchi running beside the proximal arteries."""
    shape = (grid.D, grid.N, grid.N)
    ves = np.zeros(shape, np.float32)
    wall = np.zeros(shape, np.float32)
    lumen = np.zeros(shape, np.float32)
    sub = lung[:, ::2, ::2]
    for side, sign in ((1, -1), (2, 1)):
        idx = np.flatnonzero(sub == side)
        if idx.size < 50:
            continue
        kk, ii, jj = np.unravel_index(idx, sub.shape)
        pts = np.stack([grid.x[jj * 2], grid.y[ii * 2], grid.z[kk]], 1)
        hilum = np.array([sign * 44.0, -2.0, -0.47 * P.lung_h], np.float32)

        def level(parents, n, reach, r0, r1, bronchus):
            ends = []
            tg = pts[rng.choice(len(pts), n, replace=False)]
            for p in tg:
                j = int(np.argmin(((parents - p) ** 2).sum(1)))
                a = parents[j]
                b = a + (p - a) * reach
                _stamp_cone(ves, grid, a, b, r0, r1)
                if bronchus and rng.random() < bronchus:
                    off = np.array([0.0, 0.0, 0.0], np.float32)
                    d = b - a
                    perp = np.array([-d[1], d[0], 0.0], np.float32)
                    off = perp / (np.linalg.norm(perp) + 1e-6) * (r0 + 1.5)
                    br0, br1 = 0.75 * r0, 0.75 * r1
                    _stamp_cone(wall, grid, a + off, b + off, br0 + wall_mm, br1 + wall_mm)
                    _stamp_cone(lumen, grid, a + off, b + off, br0, br1)
                ends.append(b)
            return np.array(ends, np.float32)

        lobar = level(hilum[None], 5, rng.uniform(0.3, 0.45), 6.5, 4.5, 1.0)
        seg = level(np.concatenate([lobar, hilum[None]]), 22, 0.6, 4.2, 2.4, 0.8)
        level(np.concatenate([seg, lobar]), n_branch, 1.0, 2.3, 0.7, 0.0)
    return ves, wall, lumen


# ---------------------------------------------------------------------------------------------------------------
# findings

def _sample_points(rng, weights, n):
    w = weights.ravel().astype(np.float64)
    s = w.sum()
    if s <= 0:
        return np.zeros((0,), np.int64)
    return rng.choice(w.size, size=n, replace=True, p=w / s)


def _covid(grid, lung, dist, rng, sev, noise):
    """Peripheral posterior lower-zone bilateral GGO, crazy paving, consolidation (stage by severity)."""
    lungs = lung > 0
    Yn = np.clip((grid.y - grid.y.mean()) / 120, -1, 1)[None, :, None]
    zmin, zmax = grid.z[lungs.any((1, 2))].min(), grid.z[lungs.any((1, 2))].max()
    Zn = ((zmax - grid.z) / max(zmax - zmin, 1))[:, None, None]  # 0 apex .. 1 base
    periph = np.exp(-np.maximum(dist - 4, 0) / 9.0)
    w = lungs * periph * np.exp(1.4 * Yn) * np.exp(1.2 * Zn)
    n = int(round(6 + sev * 12 + rng.integers(0, 3)))
    centres, radii = [], []
    picks = _sample_points(rng, w[:, ::2, ::2], 4 * n)
    kk, ii, jj = np.unravel_index(picks, w[:, ::2, ::2].shape)
    sides = lung[kk, ii * 2, jj * 2]
    order = list(range(len(picks)))
    # bilateral: alternate sides while both have candidates
    chosen, want = [], 1
    for _ in range(n):
        cand = [o for o in order if sides[o] == want and o not in chosen] or [o for o in order if o not in chosen]
        if not cand:
            break
        chosen.append(cand[0])
        want = 3 - want
    for o in chosen:
        c = (grid.x[jj[o] * 2], grid.y[ii[o] * 2], grid.z[kk[o]])
        s = (1.0 + 1.0 * sev) * rng.uniform(0.8, 1.3)
        centres.append(c)
        radii.append((rng.uniform(14, 30) * s, rng.uniform(14, 30) * s, rng.uniform(14, 32) * s))
    opa, owner = _blob_field(grid, centres, radii, rng, noise)
    opa *= lungs
    level = rng.uniform(-640, -380, len(centres) + 1).astype(np.float32)
    hu_add = np.where(owner >= 0, level[owner], -500).astype(np.float32)
    paving = sev > 0.3 and rng.random() < 0.75
    consol = sev > 0.45 and rng.random() < 0.8
    return opa, hu_add, {"lesions": len(centres), "crazyPaving": paving, "consolidation": consol}, paving, consol


def _viral(grid, lung, dist, rng, sev, noise, noise2):
    """Diffuse or central patchy GGO, both lungs; bronchial wall thickening is done in the airway tree."""
    lungs = lung > 0
    pattern = "diffuse" if rng.random() < 0.5 else "central"
    if pattern == "diffuse":
        thr = 0.9 - 1.0 * sev
        opa = np.clip((noise2 - thr) / 0.5 + 0.5, 0, 1) * lungs
        opa *= np.clip(0.35 + 0.65 * rng.uniform(0.6, 1.0), 0, 1)
        hu_add = np.full(opa.shape, rng.uniform(-700, -520), np.float32)
        nl = 0
    else:
        central = np.clip((dist - 12) / 15, 0, 1)
        n = int(round(8 + sev * 16))
        picks = _sample_points(rng, (lungs * central)[:, ::2, ::2], n)
        kk, ii, jj = np.unravel_index(picks, lungs[:, ::2, ::2].shape)
        centres = [(grid.x[j * 2], grid.y[i * 2], grid.z[k]) for k, i, j in zip(kk, ii, jj)]
        s = 1.0 + 0.9 * sev
        radii = [(rng.uniform(8, 18) * s, rng.uniform(8, 18) * s, rng.uniform(10, 22) * s) for _ in centres]
        opa, _ = _blob_field(grid, centres, radii, rng, noise, wobble=0.5)
        opa *= lungs
        hu_add = np.full(opa.shape, rng.uniform(-680, -480), np.float32)
        nl = len(centres)
    return opa, hu_add, {"pattern": pattern, "lesions": nl}


def _lobe_masks(grid, lung, P):
    """Approximate lobes: oblique fissure plane separating the lower lobes; horizontal fissure on the right."""
    Y = grid.y[None, :, None]
    t = (-grid.z / P.lung_h)[:, None, None]
    lower = Y > (-60 + 200 * (0.85 - t) * 0.9) * -1 + 0 * Y  # placeholder, replaced below
    # oblique fissure: posterior-superior (t ~ 0.3 at the back) to anterior-inferior (t ~ 0.95 at the front)
    yb, yf = 90.0, -90.0
    frac = np.clip((Y - yf) / (yb - yf), 0, 1)      # 0 front .. 1 back
    t_fissure = 0.95 - 0.65 * frac
    lower = t > t_fissure
    horiz = t > 0.55
    lobes = {
        "RLL": (lung == 1) & lower, "RML": (lung == 1) & ~lower & horiz, "RUL": (lung == 1) & ~lower & ~horiz,
        "LLL": (lung == 2) & lower, "LUL": (lung == 2) & ~lower,
    }
    return lobes


def _bacterial(grid, lung, P, rng, sev, noise):
    lobes = _lobe_masks(grid, lung, P)
    names = [k for k, v in lobes.items() if v.sum() > 200]
    weights = np.array([{"RLL": 3, "LLL": 2.5, "RML": 1.2, "RUL": 1.2, "LUL": 1.0}[k] for k in names])
    first = names[rng.choice(len(names), p=weights / weights.sum())]
    chosen = [first]
    if rng.random() < 0.2:
        other = [k for k in names if k[0] != first[0]]
        if other:
            chosen.append(other[rng.integers(len(other))])
    opa = np.zeros(lung.shape, np.float32)
    info = []
    for n, name in enumerate(chosen):
        region = lobes[name].astype(np.float32)
        segmental = rng.random() < 0.5 or n > 0
        if segmental:
            idx = _sample_points(rng, region[:, ::2, ::2], 1)
            k, i, j = np.unravel_index(idx[0], region[:, ::2, ::2].shape)
            c = (grid.x[j * 2], grid.y[i * 2], grid.z[k])
            r = (45 + 50 * sev) * rng.uniform(0.8, 1.2)
            ball, _ = _blob_field(grid, [c], [(r, r, r * 1.1)], rng, noise, wobble=0.25)
            region = region * ball
        else:
            frac = 0.7 + 0.5 * sev
            region = region * np.clip((noise * 0.5 + (frac - 0.5) * 3) + 0.5, 0, 1)
        region = ndimage.gaussian_filter(region, (1.5 / grid.dz * 2, 1.0, 1.0))
        np.maximum(opa, region, out=opa)
        info.append({"lobe": name, "segmental": bool(segmental)})
    opa *= lung > 0
    return opa, {"regions": info, "unilateral": len(chosen) == 1 or chosen[0][0] == chosen[1][0]}


# ---------------------------------------------------------------------------------------------------------------
# scanner

def _acquire(hu, grid, sc: Scanner, rng):
    dz, p = grid.dz, grid.p
    # slice-thickness partial volume (thickness == spacing here, FWHM = thickness) + in-plane PSF
    sig_z = max(sc.thickness_mm / 2.355 / dz, 0.3)
    psf = {"soft": 1.1, "standard": 0.8, "sharp": 0.55}[sc.kernel] * 0.85 / max(p / 1.0, 1) ** 0.3
    out = ndimage.gaussian_filter(hu, (sig_z, psf, psf))
    # correlated noise; std scaled so that the final (kernel-shaped) noise has std ~ noise_hu
    g = max(sc.noise_grain_mm / p, 0.35)
    nz = ndimage.gaussian_filter(rng.standard_normal(hu.shape).astype(np.float32), (0.3, g, g))
    nz *= sc.noise_hu / (nz.std() + 1e-6)
    body = hu > -950
    out += nz * np.where(body, 1.0, 0.6)
    if sc.kernel == "sharp":   # edge enhancement with overshoot, also amplifies noise
        out = out + 0.7 * (out - ndimage.gaussian_filter(out, (0, 1.2, 1.2)))
    out += sc.hu_offset
    return np.clip(out, -1024, 3071).astype(np.float32)


# ---------------------------------------------------------------------------------------------------------------

def make_case(seed: int, label: int, scanner: Scanner | None = None, severity: float | None = None,
              n_slices: int | None = None, max_slices: int = 200) -> CTCase:
    """One synthetic chest CT. Deterministic in (seed, label, scanner, severity, n_slices). Without `n_slices`
    the scan covers the lungs plus 15-45 mm margins, at most `max_slices` slices (then centred on the lungs)."""
    sc = scanner or Scanner()
    rng = np.random.default_rng([seed, label, 7919])
    sev = float(rng.uniform(0.3, 1.0)) if severity is None else float(severity)
    P = _patient(rng)
    dz = sc.thickness_mm
    above, below = rng.uniform(15, 35), rng.uniform(15, 45)
    if n_slices is None:
        n_slices = int(round((P.lung_h + above + below) / dz))
    if n_slices > max_slices:
        n_slices = max_slices
        above = (n_slices * dz - P.lung_h) / 2
    elif n_slices != int(round((P.lung_h + above + below) / dz)):   # fixed slice count: keep the coverage centred on the lungs
        above = (n_slices * dz - P.lung_h) / 2
    grid = _Grid(n_slices, sc.size, sc.fov_mm / sc.size, dz, z_top=above)
    hu, lung, body = _render_anatomy(grid, P, rng)
    lungs = lung > 0
    shape = hu.shape
    sig_mm = lambda mm: (mm / dz, mm / grid.p, mm / grid.p)
    noise = _smooth_noise(rng, shape, sig_mm(6.0))
    wall_mm = 0.8 if label != 2 else rng.uniform(1.8, 3.0) * (0.6 + 0.6 * sev)
    ves, wall, lumen = _vessel_and_airway_trees(grid, lung, P, rng, wall_mm, n_branch=int(rng.integers(110, 160)))
    inl = lungs.astype(np.float32)
    base = hu.copy()
    hu = np.where(lungs, hu * (1 - ves) + 35.0 * ves, hu)
    hu = np.where(lungs, hu * (1 - wall) + 20.0 * wall, hu)
    # incidental confounders (all classes, not in the lesion mask)
    dist = None
    if lungs.any():
        dist = ndimage.distance_transform_edt(lungs, sampling=(dz, grid.p, grid.p)).astype(np.float32)
    else:
        dist = np.zeros(shape, np.float32)
    Yn = np.clip((grid.y - grid.y.mean()) / 120, -1, 1)[None, :, None]
    findings = {}
    if rng.random() < 0.35:   # dependent atelectasis: thin posterior subpleural band
        band = lungs * np.clip((4 + 3 * rng.random() - dist) / 2, 0, 1) * (Yn > 0.45)
        hu = np.maximum(hu, base + band * (rng.uniform(-450, -150) - base))
        findings["atelectasis"] = True
    if rng.random() < 0.2:    # emphysema: small low-attenuation holes
        em = (_smooth_noise(rng, shape, sig_mm(2.5)) > 2.2) & lungs
        hu[em] = -960.0
        findings["emphysema"] = True
    if rng.random() < 0.25:   # calcified granuloma
        idx = _sample_points(rng, lungs[:, ::2, ::2].astype(np.float32), 1)
        k, i, j = np.unravel_index(idx[0], lungs[:, ::2, ::2].shape)
        g = np.zeros(shape, np.float32)
        c = np.array([grid.x[j * 2], grid.y[i * 2], grid.z[k]], np.float32)
        _stamp_cone(g, grid, c, c + 0.1, 2.5, 2.5)
        hu = np.where(g > 0, np.maximum(hu, hu * (1 - g) + 500.0 * g), hu)
        findings["granuloma"] = True

    lesion = np.zeros(shape, np.float32)
    if label == 1:
        noise2 = _smooth_noise(rng, shape, sig_mm(2.2))
        opa, level, info, paving, consol = _covid(grid, lung, dist, rng, sev, noise)
        ggo = base + opa * (level - base) + 25 * noise2 * opa
        if paving:   # thickened interlobular septa: zero crossings of a fine random field
            septa = np.clip(1 - np.abs(noise2) / 0.18, 0, 1) * (opa > 0.5)
            ggo = ggo + septa * rng.uniform(120, 220)
        hu = np.maximum(hu, ggo * (opa > 0) + -2000 * (opa <= 0))
        if consol:
            core = np.clip((opa - 0.75) * 4, 0, 1) * np.clip(noise * 1.2 + 0.6 * sev, 0, 1)
            hu = hu * (1 - core) + rng.uniform(20, 50) * core
        lesion = opa
        findings.update(info)
    elif label == 2:
        noise2 = _smooth_noise(rng, shape, sig_mm(9.0))
        opa, level, info = _viral(grid, lung, dist, rng, sev, noise, noise2)
        hu = np.maximum(hu, (base + opa * (level - base)) * (opa > 0) + -2000 * (opa <= 0))
        lesion = opa
        info["bronchialWallMm"] = round(float(wall_mm), 2)
        findings.update(info)
    elif label == 3:
        opa, info = _bacterial(grid, lung, P, rng, sev, noise)
        rim = np.clip(ndimage.gaussian_filter(opa, (4 / dz, 4 / grid.p, 4 / grid.p)) * 1.6, 0, 1) * lungs
        hu = np.maximum(hu, (base + rim * (-480 - base)) * (rim > 0.02) + -2000 * (rim <= 0.02))
        cons = rng.uniform(20, 50) + 8 * noise
        hu = hu * (1 - opa) + cons * opa
        if rng.random() < 0.3:
            side = 1 if info["regions"][0]["lobe"][0] == "R" else 2
            eff = (lung == side) & (dist < 6 + 10 * sev) & (Yn > 0.3 + 0.3 * (1 - sev))
            hu[eff] = 12.0
            info["effusion"] = True
        lesion = opa
        findings.update(info)
    # airway lumens last: air bronchograms inside consolidation, open airways elsewhere
    hu = np.where(lungs, hu * (1 - lumen) + HU_AIR * lumen, hu)
    mask = ((lesion > 0.5) & lungs).astype(np.uint8)
    out = _acquire(hu, grid, sc, rng)
    origin = (float(grid.x[0]), float(grid.y[0]), float(grid.z[0]))
    meta = {"seed": seed, "label": label, "class": CLASSES[label], "severity": round(sev, 3),
            "slices": n_slices, "thicknessMm": dz, "pixelMm": round(grid.p, 4), "kernel": sc.kernel,
            "noiseHu": sc.noise_hu, "findings": findings, "lesionVoxels": int(mask.sum())}
    return CTCase(hu=out, lesion=mask, label=label, spacing=(dz, grid.p, grid.p), origin=origin, meta=meta)
