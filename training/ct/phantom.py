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

Findings by class (0 healthy, 1 COVID-19, 2 other viral pneumonia, 3 bacterial pneumonia); sources in README.md:
- COVID-19: bilateral, peripheral (subpleural), posterior and lower-zone ground-glass opacities (-650..-300 HU,
  vessels still visible through them), crazy paving (thickened septa inside GGO) and, in later stages,
  consolidation (+20..+50) in the lesion cores; extent from one small focus (severity < 0.12) to most of both lungs.
- other viral: central / peribronchovascular or diffuse patchy GGO of both lungs, bronchial wall thickening, and
  (bronchiolitis pattern, or ~55 % of the others) clusters of 2-4 mm centrilobular nodules and tree-in-bud branching
  opacities around small airways, sparing the subpleural 5 mm; mosaic attenuation in ~30 %.
- bacterial: lobar or segmental consolidation (+20..+50), unilateral in ~80 %, with air bronchograms (extra air-filled
  bronchi running into it), a GGO rim, sometimes (35 %) a dependent pleural effusion.
- healthy: none.
Normal variants / confounders in every class (never in the lesion mask): visible fissures, dependent atelectasis
bands (more often in expiration), prominent vessels, 1-3 calcified granulomas, centrilobular emphysema.
Severity in [0, 1] (default uniform 0.05-1) scales number and size of findings.

Domain randomisation: patient (`anatomy` / `sample_anatomy`): body habitus (chest size, fat, noise), inspiration
(lung height and density), arms up (out of the FOV) or down (beside the chest, with streaks and more noise).
Scanner (see `Scanner`): slice thickness (z partial volume), reconstruction kernel (blur, edge overshoot and noise
grain: soft / standard / sharp / lung), dose-dependent correlated noise, HU calibration offset, field of view
(widened only where the lungs would not fit), contrast enhancement, streaks, beam hardening (cupping, dark bands
between dense structures), CT couch, scan start / end inside the lungs (>= 130 mm of lung and >= 16 slices kept);
values clipped to [-1024, 3071] as stored CT. Every sampled value is in `ct.meta`.
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
    noise_grain_mm: float = 1.2     # correlation length of the noise (scaled by the kernel: soft coarse, sharp fine)
    contrast_hu: float = 0.0        # iodine enhancement of the aorta / heart (0: plain, blood ~40 HU; 110-260: 150-300 HU)
    streaks: float = 0.0            # streak artefact strength 0..1 (rays from dense objects: bone, arms, dense contrast)
    beam_hardening: float = 0.0     # 0..1: cupping (darker centre) + dark bands between dense structures
    table: bool = True              # CT couch under the patient
    scan_start_mm: float | None = None   # scan start vs the lung apex (+: starts inside the lungs); None: 15-35 mm above
    scan_end_mm: float | None = None     # scan end vs the lung base (+: ends inside the lungs); None: 15-45 mm below


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
    habitus: float = 1.0          # body size factor (chest width, fat)
    inspiration: float = 0.8      # 0 expiration (short, dense lungs) .. 1 deep inspiration
    arms_down: bool = False       # arms beside the chest (in the FOV) instead of above the head
    blood: tuple = (40.0, 40.0, 40.0, 0.0)   # aorta / left heart, SVC, pulmonary artery, enhancement (HU)


def _patient(rng, habitus: float = 1.0, inspiration: float = 0.8) -> _Patient:
    ax = rng.uniform(132, 168) * habitus ** 0.75
    return _Patient(
        lung_h=rng.uniform(215, 270) * (0.84 + 0.2 * inspiration), ax=ax, ay=ax * rng.uniform(0.62, 0.74),
        fat=float(np.clip(rng.uniform(4, 20) * habitus ** 3, 2, 48)),
        muscle=rng.uniform(5, 10),
        heart=(rng.uniform(18, 34), rng.uniform(-32, -18), rng.uniform(0.66, 0.74), rng.uniform(52, 64),
               rng.uniform(42, 52), rng.uniform(48, 60), rng.uniform(-0.5, -0.2)),
        dome_r=rng.uniform(0.66, 0.76), dome_l=0.0, vert_r=rng.uniform(16, 20),
        rib_pitch=rng.uniform(20, 24), rib_drop=rng.uniform(45, 70), cy=rng.uniform(-8, 8),
        habitus=habitus, inspiration=inspiration,
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
    ba, bv, bp, enh = P.blood
    # CT couch: curved carbon-fibre top and bottom plates with a foam core, a thin pad under the patient
    ay_post = P.cy + P.ay / 1.1
    ty0 = ay_post + rng.uniform(3, 18) - 0.0004 * X ** 2     # cradle: sides curve up (anterior)
    tw = rng.uniform(200, 260)
    core = rng.uniform(25, 45)
    couch = np.zeros((N, N), np.float32)
    if getattr(P, "table", True):
        inx = np.abs(X) < tw
        couch[inx & (Y > ty0) & (Y < ty0 + core)] = rng.uniform(-920, -820)
        couch[inx & (np.abs(Y - ty0) < 1.8)] = rng.uniform(150, 300)
        couch[inx & (np.abs(Y - ty0 - core) < 1.8)] = rng.uniform(150, 300)
        if rng.random() < 0.5:
            couch[(np.abs(X) < P.ax * 0.8) & (Y > ay_post - 2) & (Y < ty0 - 1.8)] = rng.uniform(-600, -200)  # pad
    has_couch = couch != 0
    # arms down: upper arms beside the chest (fat, muscle, humerus with marrow), elbows slightly lower and posterior
    arms = []
    if P.arms_down:
        ra = rng.uniform(34, 44) * P.habitus
        for sign in (-1, 1):
            gap = rng.uniform(4, 25)
            arms.append((sign * (P.ax + gap + ra), P.cy + rng.uniform(-15, 25), ra, ra * rng.uniform(1.05, 1.25),
                         sign * rng.uniform(-8, 8), rng.uniform(9, 12)))
    P.dense_xy = [(a[0] + a[4], a[1]) for a in arms]
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
        sl[has_couch & ~body] = couch[has_couch & ~body]
        for axc, ayc, ra, rb, hx0, hr in arms:
            arm = _ellipse(X, Y, axc, ayc, ra, rb) <= 1
            sl[arm] = HU_FAT
            sl[_ellipse(X, Y, axc, ayc, ra - P.fat * 0.5 - 3, rb - P.fat * 0.5 - 3) <= 1] = HU_MUSCLE
            hum = np.hypot(X - axc - hx0, Y - ayc)
            sl[hum < hr] = HU_BONE
            sl[hum < hr - 3] = 250.0
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
            put(cav & (e <= 1), HU_MUSCLE + 0.3 * enh)                          # myocardium
            put(cav & (e <= 0.6), ba)                                          # chambers
        # great vessels
        if 0.12 < t < 0.6:
            put(cav & (np.hypot(X + 22, Y + 12) < 9), bv)          # SVC
        if 0.28 < t < 0.6:
            put(cav & (np.hypot(X - 6, Y + 14) < 14), ba)          # ascending aorta
        if 0.2 < t <= 0.29:
            put(cav & (_capsule_dist(X, Y, (6, -14), (20, vb_y - 22)) < 12), ba)  # arch
        if t > 0.24:
            put(cav & (np.hypot(X - 20, Y - (vb_y - 22)) < 11), ba)  # descending aorta
        if 0.4 < t < 0.52:
            put(cav & (np.hypot(X - 16, Y + 30) < 13), bp)          # pulmonary trunk
            put(cav & ((_capsule_dist(X, Y, (16, -30), (46, -6)) < 8) | (_capsule_dist(X, Y, (10, -18), (-44, -6)) < 8)), bp)
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
                sl[inner & dome & (sign * X > -10) & ~organs & ~med] = (58.0 + 0.4 * enh) if side == 1 else (45.0 + 0.35 * enh)
            if t < -0.04 or t > 1.12:
                m[:] = False
            lung[k][m] = side
        hu[k] = sl
        body_mask[k] = body
        _ribs_and_scapula(hu[k], X, Y, grid.z[k], t, P, cav_ax, cav_ay, cav_cy, body)
        lm = lung[k] > 0
        grad = np.clip((Y - cav_cy) / cav_ay, -1, 1)
        insp = P.inspiration      # expiration: denser lungs and a steeper gravity gradient
        hu[k][lm] = HU_LUNG + 95 * (1 - insp) + (45 + 45 * (1 - insp)) * grad[lm]
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


def _vessel_and_airway_trees(grid: _Grid, lung, P: _Patient, rng, wall_mm: float, n_branch: int, vscale: float = 1.0):
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
                _stamp_cone(ves, grid, a, b, r0 * vscale, r1 * vscale)
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
    # extent follows severity: a single small focus (early / mild) .. many confluent lesions over most of both lungs
    n = 1 if sev < 0.12 else int(round(2 + 22 * sev ** 1.3 + rng.integers(0, 3)))
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
        s = (0.55 + 1.5 * sev) * rng.uniform(0.8, 1.3)
        centres.append(c)
        radii.append((rng.uniform(14, 30) * s, rng.uniform(14, 30) * s, rng.uniform(14, 32) * s))
    opa, owner = _blob_field(grid, centres, radii, rng, noise)
    opa *= lungs
    level = rng.uniform(-640, -380, len(centres) + 1).astype(np.float32)
    hu_add = np.where(owner >= 0, level[owner], -500).astype(np.float32)
    paving = sev > 0.3 and rng.random() < 0.75
    consol = sev > 0.45 and rng.random() < 0.8
    return opa, hu_add, {"lesions": len(centres), "crazyPaving": paving, "consolidation": consol}, paving, consol


def _viral(grid, lung, dist, rng, sev, noise, noise2, airways):
    """Other viral pneumonia (Koo et al. 2018): central / peribronchovascular or diffuse patchy GGO of both lungs,
    or a bronchiolitis pattern dominated by centrilobular nodules and tree-in-bud; bronchial wall thickening is done
    in the airway tree, mosaic attenuation in `make_case`."""
    lungs = lung > 0
    u = rng.random()
    pattern = "peribronchovascular" if u < 0.4 else "diffuse" if u < 0.7 else "bronchiolitis"
    nl = 0
    if pattern == "diffuse":
        thr = 0.9 - 1.0 * sev
        opa = np.clip((noise2 - thr) / 0.5 + 0.5, 0, 1) * lungs
        opa *= np.clip(0.35 + 0.65 * rng.uniform(0.6, 1.0), 0, 1)
        hu_add = np.full(opa.shape, rng.uniform(-700, -520), np.float32)
    else:
        central = np.clip((dist - 12) / 15, 0, 1)[:, ::2, ::2]
        pbv = ndimage.gaussian_filter(airways[:, ::2, ::2], (4 / grid.dz, 2, 2))     # around bronchi and arteries
        n = int(round((8 + sev * 16) * (0.35 if pattern == "bronchiolitis" else 1.0)))
        picks = _sample_points(rng, lungs[:, ::2, ::2] * central * (0.05 + pbv), n)
        kk, ii, jj = np.unravel_index(picks, lungs[:, ::2, ::2].shape)
        centres = [(grid.x[j * 2], grid.y[i * 2], grid.z[k]) for k, i, j in zip(kk, ii, jj)]
        s = (1.0 + 0.9 * sev) * (0.6 if pattern == "bronchiolitis" else 1.0)
        radii = [(rng.uniform(8, 18) * s, rng.uniform(8, 18) * s, rng.uniform(10, 22) * s) for _ in centres]
        opa, _ = _blob_field(grid, centres, radii, rng, noise, wobble=0.5)
        opa *= lungs
        hu_add = np.full(opa.shape, rng.uniform(-680, -480), np.float32)
        nl = len(centres)
    info = {"pattern": pattern, "lesions": nl}
    nod = None
    if pattern == "bronchiolitis" or rng.random() < 0.55:
        nod, ninfo = _centrilobular(grid, lung, dist, rng, sev, dense=pattern == "bronchiolitis")
        info.update(ninfo)
    return opa, hu_add, info, nod


def _centrilobular(grid, lung, dist, rng, sev, dense=False):
    """Centrilobular nodules (2-4 mm, 5-10 mm from the pleura) and tree-in-bud (short branching opacities ending in
    nodules), in clusters around small airways of both lungs (Fleischner glossary, Hansell et al. 2008)."""
    lungs = lung > 0
    vol = np.zeros(lungs.shape, np.float32)
    w = (lungs & (dist > 5) & (dist < 35))[:, ::2, ::2].astype(np.float32)
    ncl = int(round((4 + 14 * sev) * (1.6 if dense else 1.0)))
    picks = _sample_points(rng, w, ncl)
    if picks.size == 0:
        return vol, {}
    kk, ii, jj = np.unravel_index(picks, w.shape)
    nn = nb = 0
    for k, i, j in zip(kk, ii, jj):
        c = np.array([grid.x[j * 2], grid.y[i * 2], grid.z[k]], np.float32)
        cr = rng.uniform(10, 22)
        for _ in range(int(rng.integers(4, 10))):
            p = c + rng.normal(0, cr / 2, 3).astype(np.float32)
            r = rng.uniform(1.0, 2.0)            # 2-4 mm nodules
            if rng.random() < 0.45:              # tree-in-bud: a short branching bronchiole ending in buds
                d = rng.normal(0, 1, 3).astype(np.float32)
                d *= rng.uniform(5, 10) / (np.linalg.norm(d) + 1e-6)
                stem = p - d
                _stamp_cone(vol, grid, stem, p, 1.1, 0.8)
                d2 = d + rng.normal(0, 4, 3).astype(np.float32)
                _stamp_cone(vol, grid, stem, stem + d2, 1.0, 0.8)
                _stamp_cone(vol, grid, stem + d2, stem + d2 + 0.1, r, r)
                nb += 1
            _stamp_cone(vol, grid, p, p + 0.1, r, r)
            nn += 1
    vol *= lungs & (dist > 3)
    return vol, {"centrilobularNodules": nn, "treeInBud": nb, "nodularClusters": int(len(picks))}


def _fissures(grid, lung, P, rng):
    """Thin fissure lines (oblique both sides, horizontal on the right) on the `_lobe_masks` boundaries."""
    Y = grid.y[None, :, None]
    t = (-grid.z / P.lung_h)[:, None, None]
    frac = np.clip((Y + 90.0) / 180.0, 0, 1)
    t_obl = 0.95 - 0.65 * frac
    sig = 0.6 * max(grid.dz, grid.p)
    d_obl = np.abs(t - t_obl) * P.lung_h * 0.74
    f = np.exp(-(d_obl / sig) ** 2)
    d_hor = np.abs(t - 0.55) * P.lung_h
    f_h = np.exp(-(d_hor / sig) ** 2) * (t < t_obl) * (lung == 1)
    f = np.maximum(f, f_h * (rng.random() < 0.8))
    return f * (lung > 0) * (870.0 / (sig * 1.77)) * rng.uniform(0.8, 1.5)


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

def _air_bronchograms(grid, opa, P, rng, lumen):
    """Extra air-filled bronchi running into the consolidated region from the hilum (visible air bronchograms)."""
    tg = np.flatnonzero((opa[:, ::2, ::2] > 0.7).ravel())
    if tg.size == 0:
        return 0
    br = np.zeros(opa.shape, np.float32)
    kk, ii, jj = np.unravel_index(rng.choice(tg, min(tg.size, int(rng.integers(6, 13))), replace=False), opa[:, ::2, ::2].shape)
    for k, i, j in zip(kk, ii, jj):
        p = np.array([grid.x[j * 2], grid.y[i * 2], grid.z[k]], np.float32)
        h = np.array([np.sign(p[0]) * 44.0, -2.0, -0.47 * P.lung_h], np.float32)
        _stamp_cone(br, grid, h + (p - h) * 0.3, p, rng.uniform(1.8, 2.6), rng.uniform(0.9, 1.3))
    np.maximum(lumen, br * (opa > 0.3), out=lumen)
    return int(len(kk))


def _artefacts(hu, grid, sc: Scanner, rng, body, dense_xy, arms_down):
    """Streaks from dense objects and beam hardening (cupping; dark bands between pairs of dense structures), added
    to the reconstructed image (2-D patterns per slab of slices, amplitude varying slice by slice)."""
    X, Y = grid.X, grid.Y
    D = hu.shape[0]
    strength = float(np.clip(sc.streaks + (0.35 if arms_down else 0.0), 0, 1.5))
    bh = float(sc.beam_hardening)
    info = {"streakStrength": round(strength, 3), "beamHardening": round(bh, 3)}
    if strength <= 0 and bh <= 0:
        return hu, info
    pts = list(dense_xy)
    if sc.contrast_hu > 150:
        pts.append((-22.0, -20.0))        # dense contrast in the SVC
    slab = max(1, int(round(20 / grid.dz)))
    amp = np.clip(1 + 0.4 * ndimage.gaussian_filter1d(rng.standard_normal(D), 2), 0.2, 2.0).astype(np.float32)
    for k0 in range(0, D, slab):
        img = np.zeros(X.shape, np.float32)
        if bh > 0:                        # dark bands between dense structures (beam hardening)
            for m in range(len(pts)):
                for n in range(m + 1, len(pts)):
                    d = _capsule_dist(X, Y, pts[m], pts[n])
                    img -= bh * rng.uniform(40, 90) * np.exp(-(d / rng.uniform(6, 12)) ** 2)
        if strength > 0:                  # streak rays through dense objects, alternating bright / dark
            for c in pts or [(0.0, 60.0)]:
                for _ in range(int(rng.integers(3, 7))):
                    th = rng.uniform(0, np.pi)
                    perp = np.abs((X - c[0]) * np.sin(th) - (Y - c[1]) * np.cos(th))
                    r = np.hypot(X - c[0], Y - c[1])
                    img += strength * rng.choice([-1, 1]) * rng.uniform(30, 80) * np.exp(-(perp / 1.2) ** 2) * np.exp(-r / 180)
        hu[k0:k0 + slab] += img[None] * amp[k0:k0 + slab, None, None] * np.where(body[k0:k0 + slab], 1.0, 0.3)
    if bh > 0:                            # cupping: centre of the body darker than the periphery
        r2 = (X / (np.abs(X[body.any(0)]).max() + 1e-3 if body.any() else 1)) ** 2 + (Y / 160.0) ** 2
        cup = bh * rng.uniform(20, 45)
        hu -= (cup * np.clip(1 - r2, 0, 1))[None] * body
        info["cuppingHu"] = round(cup, 1)
    return hu, info


_KERNEL = {"soft": (1.1, 1.5, 0.0), "standard": (0.8, 1.0, 0.0), "sharp": (0.55, 0.7, 0.7), "lung": (0.45, 0.55, 1.1)}


def _acquire(hu, grid, sc: Scanner, rng, noise_scale: float = 1.0):
    dz, p = grid.dz, grid.p
    blur, grain, edge = _KERNEL[sc.kernel]
    # slice-thickness partial volume (thickness == spacing here, FWHM = thickness) + in-plane PSF
    sig_z = max(sc.thickness_mm / 2.355 / dz, 0.3)
    psf = blur * 0.85 / max(p / 1.0, 1) ** 0.3
    out = ndimage.gaussian_filter(hu, (sig_z, psf, psf))
    # correlated noise, texture by kernel (soft: coarse blotches, sharp: fine grain); std ~ noise_hu * noise_scale
    g = max(sc.noise_grain_mm * grain / p, 0.35)
    nz = ndimage.gaussian_filter(rng.standard_normal(hu.shape).astype(np.float32), (0.3, g, g))
    nz *= sc.noise_hu * noise_scale / (nz.std() + 1e-6)
    body = hu > -950
    out += nz * np.where(body, 1.0, 0.6)
    if edge > 0:   # edge enhancement with overshoot, also amplifies noise
        out = out + edge * (out - ndimage.gaussian_filter(out, (0, 1.2, 1.2)))
    out += sc.hu_offset
    return np.clip(out, -1024, 3071).astype(np.float32)


# ---------------------------------------------------------------------------------------------------------------

def sample_anatomy(rng, habitus=(0.9, 1.12), inspiration=(0.55, 1.0), arms_down_p: float = 0.0) -> dict:
    """Patient-level domain randomisation (body habitus, inspiration level, arm position) from ranges."""
    return {"habitus": float(rng.uniform(*habitus)), "inspiration": float(rng.uniform(*inspiration)),
            "arms_down": bool(rng.random() < arms_down_p)}


def make_case(seed: int, label: int, scanner: Scanner | None = None, severity: float | None = None,
              n_slices: int | None = None, max_slices: int = 200, anatomy: dict | None = None) -> CTCase:
    """One synthetic chest CT. Deterministic in (seed, label, scanner, severity, n_slices, anatomy). Without
    `n_slices` the scan covers the lungs plus 15-45 mm margins (or starts / ends inside the lungs where the scanner
    says so, keeping >= 130 mm of lung and >= 16 slices), at most `max_slices` slices (then centred on the lungs).
    `anatomy` overrides the sampled {"habitus", "inspiration", "arms_down"} (see `sample_anatomy`)."""
    sc = scanner or Scanner()
    rng = np.random.default_rng([seed, label, 7919])
    sev = float(rng.uniform(0.05, 1.0)) if severity is None else float(severity)
    an = sample_anatomy(rng)
    an.update(anatomy or {})
    P = _patient(rng, float(an["habitus"]), float(an["inspiration"]))
    P.arms_down = bool(an["arms_down"])
    P.table = bool(sc.table)
    enh = float(sc.contrast_hu)
    P.blood = (HU_BLOOD + enh * rng.uniform(0.9, 1.1), HU_BLOOD + enh * rng.uniform(0.9, 2.5),
               HU_BLOOD + enh * rng.uniform(0.8, 1.2), enh)
    dz = sc.thickness_mm
    above, below = rng.uniform(15, 35), rng.uniform(15, 45)
    cut_top = cut_bot = 0.0
    if sc.scan_start_mm is not None or sc.scan_end_mm is not None:    # partial coverage, >= 130 mm of lung kept
        cut_top = max(float(sc.scan_start_mm), 0.0) if sc.scan_start_mm is not None else 0.0
        cut_bot = max(float(sc.scan_end_mm), 0.0) if sc.scan_end_mm is not None else 0.0
        excess = cut_top + cut_bot - (P.lung_h - 130.0)
        if excess > 0:
            f = max(0.0, 1 - excess / (cut_top + cut_bot))
            cut_top, cut_bot = cut_top * f, cut_bot * f
        if sc.scan_start_mm is not None:
            above = -float(sc.scan_start_mm) if sc.scan_start_mm < 0 else -cut_top
        if sc.scan_end_mm is not None:
            below = -float(sc.scan_end_mm) if sc.scan_end_mm < 0 else -cut_bot
    natural = int(round((P.lung_h + above + below) / dz))
    given = n_slices is not None
    if not given:
        n_slices = natural
        if n_slices < 16:                 # the studio needs >= 16 slices: extend the scan equally at both ends
            extra = (16 * dz - (P.lung_h + above + below)) / 2
            above, n_slices = above + extra, 16
    if n_slices > max_slices:
        n_slices = max_slices
        above = (n_slices * dz - P.lung_h) / 2
    elif given and n_slices != natural:   # fixed slice count: keep the coverage centred on the lungs
        above = (n_slices * dz - P.lung_h) / 2
    # field of view: the scanner's, widened where the lungs would not fit
    cav = P.ax - P.fat - P.muscle - 9
    fov = max(sc.fov_mm, 2 * cav + 24)
    grid = _Grid(n_slices, sc.size, fov / sc.size, dz, z_top=above)
    hu, lung, body = _render_anatomy(grid, P, rng)
    lungs = lung > 0
    shape = hu.shape
    sig_mm = lambda mm: (mm / dz, mm / grid.p, mm / grid.p)
    noise = _smooth_noise(rng, shape, sig_mm(6.0))
    wall_mm = 0.8 if label != 2 else rng.uniform(1.8, 3.0) * (0.6 + 0.6 * sev)
    vscale = float(rng.uniform(0.85, 1.3))          # prominent vessels are a normal variant
    ves, wall, lumen = _vessel_and_airway_trees(grid, lung, P, rng, wall_mm, n_branch=int(rng.integers(110, 160)),
                                                vscale=vscale)
    base = hu.copy()
    hu = np.where(lungs, hu * (1 - ves) + (35.0 + 0.8 * enh) * ves, hu)
    hu = np.where(lungs, hu * (1 - wall) + 20.0 * wall, hu)
    # normal variants / incidental confounders (all classes, never in the lesion mask)
    if lungs.any():
        dist = ndimage.distance_transform_edt(lungs, sampling=(dz, grid.p, grid.p)).astype(np.float32)
    else:
        dist = np.zeros(shape, np.float32)
    Yn = np.clip((grid.y - grid.y.mean()) / 120, -1, 1)[None, :, None]
    findings = {"prominentVessels": vscale > 1.15}
    if rng.random() < 0.6:    # visible fissures
        hu = hu + _fissures(grid, lung, P, rng)
        findings["fissures"] = True
    if rng.random() < 0.4 + 0.3 * (1 - P.inspiration):   # dependent atelectasis: thin posterior subpleural band
        band = lungs * np.clip((4 + 4 * rng.random() - dist) / 2, 0, 1) * (Yn > 0.45)
        hu = np.maximum(hu, base + band * (rng.uniform(-450, -150) - base))
        findings["atelectasis"] = True
    if rng.random() < 0.15:   # emphysema: small low-attenuation holes
        em = (_smooth_noise(rng, shape, sig_mm(2.5)) > 2.2) & lungs
        hu[em] = -960.0
        findings["emphysema"] = True
    if rng.random() < 0.3:    # calcified granulomas
        ng = int(rng.integers(1, 4))
        g = np.zeros(shape, np.float32)
        for idx in _sample_points(rng, lungs[:, ::2, ::2].astype(np.float32), ng):
            k, i, j = np.unravel_index(idx, lungs[:, ::2, ::2].shape)
            c = np.array([grid.x[j * 2], grid.y[i * 2], grid.z[k]], np.float32)
            r = rng.uniform(1.5, 3.5)
            _stamp_cone(g, grid, c, c + 0.1, r, r)
        hu = np.where(g > 0, np.maximum(hu, hu * (1 - g) + 500.0 * g), hu)
        findings["granulomas"] = ng

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
        opa, level, info, nod = _viral(grid, lung, dist, rng, sev, noise, noise2, np.maximum(ves, wall))
        hu = np.maximum(hu, (base + opa * (level - base)) * (opa > 0) + -2000 * (opa <= 0))
        if nod is not None:
            hu = np.maximum(hu, hu * (1 - nod) + rng.uniform(-20, 60) * nod)
            opa = np.maximum(opa, np.where(nod > 0.45, 1.0, 0.0).astype(np.float32))
        if rng.random() < 0.3:   # mosaic attenuation (small-airway involvement): lobular darker / brighter patches
            mos = _smooth_noise(rng, shape, sig_mm(12.0))
            hu = np.where(lungs & (opa < 0.2), hu + rng.uniform(40, 80) * np.tanh(2 * mos), hu)
            info["mosaic"] = True
        lesion = opa
        info["bronchialWallMm"] = round(float(wall_mm), 2)
        findings.update(info)
    elif label == 3:
        opa, info = _bacterial(grid, lung, P, rng, sev, noise)
        rim = np.clip(ndimage.gaussian_filter(opa, (4 / dz, 4 / grid.p, 4 / grid.p)) * 1.6, 0, 1) * lungs
        hu = np.maximum(hu, (base + rim * (-480 - base)) * (rim > 0.02) + -2000 * (rim <= 0.02))
        cons = rng.uniform(20, 50) + 8 * noise
        hu = hu * (1 - opa) + cons * opa
        info["airBronchograms"] = _air_bronchograms(grid, opa, P, rng, lumen)
        if rng.random() < 0.35:
            side = 1 if info["regions"][0]["lobe"][0] == "R" else 2
            eff = (lung == side) & (dist < 6 + 10 * sev) & (Yn > 0.3 + 0.3 * (1 - sev))
            hu[eff] = 12.0
            info["effusion"] = True
        lesion = opa
        findings.update(info)
    # airway lumens last: air bronchograms inside consolidation, open airways elsewhere
    hu = np.where(lungs, hu * (1 - lumen) + HU_AIR * lumen, hu)
    mask = ((lesion > 0.5) & lungs).astype(np.uint8)
    hu, art = _artefacts(hu, grid, sc, rng, body | (hu > -500), P.dense_xy + [(0.0, float(P.cy + P.ay * 0.55))], P.arms_down) \
        if (sc.streaks > 0 or sc.beam_hardening > 0 or P.arms_down) else (hu, {"streakStrength": 0.0, "beamHardening": 0.0})
    noise_scale = float(P.habitus ** 1.5 * (1.25 if P.arms_down else 1.0))   # bigger patients / arms in the beam: noisier
    out = _acquire(hu, grid, sc, rng, noise_scale)
    origin = (float(grid.x[0]), float(grid.y[0]), float(grid.z[0]))
    lung_z = grid.z[lungs.any((1, 2))] if lungs.any() else grid.z[:1]
    meta = {"seed": seed, "label": label, "class": CLASSES[label], "severity": round(sev, 3),
            "slices": n_slices, "thicknessMm": dz, "pixelMm": round(grid.p, 4), "kernel": sc.kernel,
            "noiseHu": sc.noise_hu, "findings": findings, "lesionVoxels": int(mask.sum()),
            "fovMm": round(fov, 1), "contrastHu": round(enh, 1), "aortaHu": round(float(P.blood[0]), 1),
            "table": bool(sc.table), "habitus": round(P.habitus, 3), "inspiration": round(P.inspiration, 3),
            "armsDown": P.arms_down, "lungHeightMm": round(P.lung_h, 1), "noiseScale": round(noise_scale, 3),
            "lungCoverageMm": round(float(lung_z.max() - lung_z.min() + dz), 1),
            "partialCoverage": bool(cut_top > 0 or cut_bot > 0), "cutTopMm": round(cut_top, 1),
            "cutBottomMm": round(cut_bot, 1), **art}
    return CTCase(hu=out, lesion=mask, label=label, spacing=(dz, grid.p, grid.p), origin=origin, meta=meta)
