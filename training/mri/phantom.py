"""Synthetic short-axis cine SSFP phantoms with ACDC labels (0 bg, 1 RV, 2 MYO, 3 LV cavity).

Everything is deterministic given the seed. A `Subject` holds the anatomy and acquisition parameters of one
synthetic patient; `render_slice(subject, k, t)` draws slice k (base -> apex) at frame t (frame 0 = end-diastole)
on the subject's native grid, `render_volume(subject)` the whole 4D cine.

Conventions
- Arrays are [row, col] = [y, x]; world coordinates are mm from the image centre, x to the right, y down.
- Slice k sits at depth z = z0 + k * dz mm below the LV base plane (apex direction).
- The LV cavity label includes papillary muscles and trabeculations (ACDC convention); the RV label is the RV
  cavity only (the thin RV free wall is background).
- Volumes in mL = voxel count x spacing product (mm^3) / 1000; LV mass = MYO volume at ED x 1.05 g/mL.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

BG, RV, MYO, LV = 0, 1, 2, 3
LABEL_NAMES = ("background", "RV", "MYO", "LV")
MYOCARDIUM_DENSITY_G_PER_ML = 1.05


def _u(rng, lo, hi):
    return float(rng.uniform(lo, hi))


@dataclass
class Blob:
    """A star-shaped region: ellipse (a, b) rotated by `angle`, radius modulated by a short Fourier series."""

    cx: float
    cy: float
    a: float
    b: float
    angle: float = 0.0
    harmonics: list = field(default_factory=list)  # (k, amplitude, phase)

    def signed_distance(self, x, y, scale=1.0):
        """Approximate signed distance in mm (negative inside), radius scaled by `scale`."""
        dx, dy = x - self.cx, y - self.cy
        c, s = math.cos(self.angle), math.sin(self.angle)
        u, v = c * dx + s * dy, -s * dx + c * dy
        rho = np.hypot(u, v)
        theta = np.arctan2(v, u)
        a, b = self.a * scale, self.b * scale
        r = a * b / np.sqrt((b * np.cos(theta)) ** 2 + (a * np.sin(theta)) ** 2 + 1e-9)
        mod = 1.0
        for k, amp, ph in self.harmonics:
            mod = mod + amp * np.cos(k * theta + ph)
        return rho - r * mod


def _harmonics(rng, n, amp):
    return [(k, _u(rng, 0, amp) / k ** 0.7, _u(rng, 0, 2 * math.pi)) for k in range(2, 2 + n)]


def _smooth_field(rng, shape, sigma_px):
    f = ndimage.gaussian_filter(rng.standard_normal(shape).astype(np.float32), sigma_px, mode="wrap")
    return f / (f.std() + 1e-6)


def cycle_contraction(phase: float, es_phase: float) -> float:
    """0 at end-diastole, 1 at end-systole: smooth ejection, rapid early filling, diastasis, atrial kick."""
    if phase <= es_phase:
        return 0.5 * (1 - math.cos(math.pi * phase / es_phase))
    s = (phase - es_phase) / (1 - es_phase)
    early = math.exp(-((s / 0.28) ** 2))          # rapid filling right after ES
    return 0.82 * early + 0.18 * (1 - s) * (1 - early) ** 2 if s < 1 else 0.0


@dataclass
class Subject:
    seed: int
    nx: int
    ny: int
    spacing: float          # in-plane mm
    dz: float               # slice spacing mm
    n_slices: int
    n_frames: int
    z0: float               # depth of the first slice below the base, mm
    es_phase: float
    ef_area: float          # fractional cavity area change ED->ES
    rv_ef_area: float
    long_short: float       # longitudinal shortening fraction at ES
    p: dict                 # everything else (anatomy, contrast, acquisition)


def make_subject(seed: int, *, n_slices=None, n_frames=None, matrix=None, spacing=None) -> Subject:
    rng = np.random.default_rng([seed, 0xCA7D])
    spacing = spacing or round(_u(rng, 1.2, 1.9), 3)
    nx = matrix or int(rng.integers(80, 129)) * 2          # 160..256
    ny = matrix or int(round(nx * _u(rng, 0.78, 1.0) / 2)) * 2
    n_frames = n_frames or int(rng.integers(8, 13))
    p: dict = {}
    # --- heart --------------------------------------------------------------------------------------------
    hyper = rng.random() < 0.2
    dilated = rng.random() < 0.35
    p["r_endo"] = _u(rng, 27, 38) if dilated else _u(rng, 18, 30)          # ED cavity radius at base, mm
    p["wall"] = _u(rng, 11, 17) if hyper else _u(rng, 5.5, 11.5)              # ED wall thickness, mm
    p["lv_len"] = _u(rng, 62, 95) * (1.1 if dilated else 1.0)                 # base -> endocardial apex, mm
    p["apex_wall"] = _u(rng, 4, 9)
    p["lv_ecc"] = _u(rng, 0.82, 1.0)
    p["lv_angle"] = _u(rng, 0, math.pi)
    p["lv_harm"] = _harmonics(rng, 3, 0.06)
    p["wall_harm"] = _harmonics(rng, 2, 0.25)
    p["infarct"] = (rng.random() < 0.3, _u(rng, 0, 2 * math.pi), _u(rng, 0.5, 1.4), _u(rng, 0.35, 0.7))
    p["axis_tilt"] = (_u(rng, -0.12, 0.12), _u(rng, -0.12, 0.12))            # centre drift per mm depth
    p["rv_dir"] = math.pi + _u(rng, -0.45, 0.35)                               # RV side, heart frame
    p["rv_len_frac"] = _u(rng, 0.75, 0.95)
    p["rv_size"] = _u(rng, 0.75, 1.25)
    p["rv_depth"] = _u(rng, 0.45, 0.85)
    p["rv_harm"] = _harmonics(rng, 2, 0.08)
    p["rv_crescent"] = rng.random() < 0.65          # crescent hugging the septum, else an ellipse beside it
    p["rv_half_angle"] = _u(rng, 0.9, 1.7)
    p["rv_taper"] = _u(rng, 0.4, 1.0)
    p["rv_thick"] = _u(rng, 0.35, 1.1)
    p["endo_harm"] = [(k, _u(rng, 0, 0.02), _u(rng, 0, 2 * math.pi)) for k in range(5, 10)]
    p["n_trab"] = int(rng.integers(6, 40))
    p["trab"] = [(_u(rng, 0, 2 * math.pi), _u(rng, 0.7, 3.0), _u(rng, 0.0, 2.5), _u(rng, 0.1, 1.0),
                  _u(rng, 1.0, 2.2)) for _ in range(p["n_trab"])]
    p["rv_trab"] = [(_u(rng, -0.8, 0.8), _u(rng, 1.1, 1.5), _u(rng, 1.0, 3.0)) for _ in range(int(rng.integers(0, 6)))]
    p["blood_wall_dim"] = _u(rng, 0.0, 0.3)          # darker blood next to the trabeculated wall
    p["blood_apex_dim"] = _u(rng, 0.0, 0.5)          # darker cavity toward the apex (partial volume)
    p["lvot"] = (rng.random() < 0.5, p["rv_dir"] + rng.choice([-1, 1]) * _u(rng, 0.5, 1.2), _u(rng, 0.5, 1.1),
                 _u(rng, 4, 16), _u(rng, 9, 15))      # on, direction, arc width, depth limit (mm), root radius
    pap_base = _u(rng, 0, 2 * math.pi)
    p["pap"] = [(pap_base + off, _u(rng, 2.5, 6.0), _u(rng, 0.15, 0.35), _u(rng, 0.65, 0.9))
                for off in (0, _u(rng, 1.6, 2.6))]
    p["epifat"] = [(_u(rng, 0, 2 * math.pi), _u(rng, 1.5, 7), _u(rng, 0.3, 1.5)) for _ in range(int(rng.integers(0, 5)))]
    # --- body and surroundings (body frame: body centre at origin, anterior = -y) ---------------------------
    A, B = _u(rng, 120, 185), _u(rng, 85, 125)
    p["body"] = Blob(0, 0, A, B, 0, _harmonics(rng, 4, 0.05))
    p["fat"] = _u(rng, 4, 26)
    p["muscle"] = _u(rng, 5, 14)
    p["pectoral"] = (_u(rng, 0.5, 2.5), _u(rng, -0.6, 0.6))      # anterior muscle thickening, direction
    p["fat_harm"] = _harmonics(rng, 3, 0.5)
    p["breast"] = Blob(A * _u(rng, -0.4, 0.5), -B * _u(rng, 0.85, 1.05), _u(rng, 25, 70), _u(rng, 15, 45),
                       _u(rng, -0.4, 0.4), _harmonics(rng, 3, 0.1)) if rng.random() < 0.35 else None
    p["clutter"] = [(Blob(A * _u(rng, -0.8, 0.8), B * _u(rng, -0.1, 0.85), _u(rng, 6, 35), _u(rng, 6, 30),
                          _u(rng, 0, math.pi), _harmonics(rng, 3, 0.15)), _u(rng, 0.03, 0.95), _u(rng, -0.3, 1.0))
                    for _ in range(int(rng.integers(4, 20)))]
    # Thin planes and vessels (fat planes between muscles, diaphragm, vessels in plane): long thin blobs.
    p["streaks"] = [(Blob(A * _u(rng, -0.9, 0.9), B * _u(rng, -0.9, 0.9), _u(rng, 10, 50), _u(rng, 1.2, 4.5),
                          _u(rng, 0, math.pi), _harmonics(rng, 2, 0.1)), _u(rng, 0.02, 1.1))
                    for _ in range(int(rng.integers(0, 8)))]
    # Atria / outflow tracts next to the basal slices (bright blood, background label).
    p["atria"] = [(_u(rng, 0, 2 * math.pi), _u(rng, 12, 25), _u(rng, 5, 22)) for _ in range(int(rng.integers(0, 3)))]
    p["peri"] = (rng.random() < 0.4, _u(rng, 0.02, 0.6) if rng.random() < 0.7 else _u(rng, 0.6, 1.0), _u(rng, 0.8, 3.0))
    p["heart_c"] = (A * _u(rng, -0.12, 0.22), -B * _u(rng, 0.0, 0.32))
    p["heart_rot"] = _u(rng, -0.5, 0.5)
    p["liver"] = Blob(-A * _u(rng, 0.2, 0.55), B * _u(rng, 0.3, 0.6), A * _u(rng, 0.45, 0.7), B * _u(rng, 0.45, 0.7),
                      _u(rng, -0.5, 0.5), _harmonics(rng, 3, 0.08))
    p["stomach"] = Blob(A * _u(rng, 0.25, 0.6), B * _u(rng, 0.3, 0.65), _u(rng, 20, 45), _u(rng, 15, 35),
                        _u(rng, 0, math.pi), _harmonics(rng, 3, 0.12))
    p["stomach_kind"] = int(rng.integers(0, 3))          # 0 fluid (bright), 1 gas (dark), 2 mixed
    p["spleen"] = Blob(A * _u(rng, 0.5, 0.75), B * _u(rng, 0.35, 0.7), _u(rng, 18, 35), _u(rng, 30, 55),
                       _u(rng, 0, math.pi), _harmonics(rng, 2, 0.1))
    sx, sy = A * _u(rng, -0.15, 0.15), B * _u(rng, 0.62, 0.85)
    p["spine"] = Blob(sx, sy, _u(rng, 14, 20), _u(rng, 12, 17), 0, [])
    p["canal"] = Blob(sx, sy + _u(rng, 20, 26), _u(rng, 6, 9), _u(rng, 5, 8), 0, [])
    p["aorta"] = Blob(sx + _u(rng, 18, 35) * rng.choice([-1, 1]), sy - _u(rng, 18, 30), _u(rng, 9, 15), _u(rng, 9, 15))
    p["ivc"] = Blob(-A * _u(rng, 0.1, 0.35), B * _u(rng, 0.25, 0.5), _u(rng, 8, 14), _u(rng, 8, 14))
    p["arms"] = rng.random() < 0.35
    p["arm_side"] = rng.choice([-1, 1])
    p["vessels"] = [(A * _u(rng, -0.9, 0.9), B * _u(rng, -0.9, 0.6), _u(rng, 1.0, 4.0)) for _ in range(int(rng.integers(8, 45)))]
    p["mediastinal"] = Blob(p["heart_c"][0] + _u(rng, -20, 20), p["heart_c"][1] - _u(rng, 30, 60), _u(rng, 15, 45),
                            _u(rng, 10, 25), _u(rng, 0, math.pi), _harmonics(rng, 2, 0.1))
    p["global_rot"] = _u(rng, -0.8, 0.8) + (math.pi if rng.random() < 0.05 else 0.0)
    p["mirror"] = rng.random() < 0.1
    p["shift"] = (_u(rng, -25, 25), _u(rng, -25, 25))     # where the heart lands relative to the image centre
    # --- contrast (relative to blood = 1) -------------------------------------------------------------------
    c = {}
    c["blood"] = 1.0
    c["rv_blood"] = _u(rng, 0.8, 1.05)
    c["myo"] = _u(rng, 0.15, 0.4)
    c["muscle"] = c["myo"] * _u(rng, 0.8, 1.3)
    c["fat"] = _u(rng, 0.65, 1.3)
    c["liver"] = _u(rng, 0.25, 0.55)
    c["spleen"] = _u(rng, 0.4, 0.75)
    c["lung"] = _u(rng, 0.01, 0.12)
    c["medi"] = _u(rng, 0.2, 0.9)
    c["bone"] = _u(rng, 0.25, 0.5)
    c["csf"] = _u(rng, 0.7, 1.1)
    c["aorta"] = _u(rng, 0.55, 1.05)
    c["stomach"] = (_u(rng, 0.55, 1.0), _u(rng, 0.01, 0.05))
    c["vessel"] = _u(rng, 0.3, 0.8)
    c["other"] = _u(rng, 0.2, 0.45)
    p["contrast"] = c
    p["texture"] = _u(rng, 0.05, 0.22)
    p["blood_flow"] = _u(rng, 0.02, 0.12)
    # --- acquisition -----------------------------------------------------------------------------------------
    p["bias_amp"] = _u(rng, 0.1, 1.0)
    p["bias_dir"] = _u(rng, 0, 2 * math.pi)
    p["coil_amp"] = _u(rng, 0.0, 1.0)
    p["coil_w"] = _u(rng, 50, 140)
    p["noise"] = _u(rng, 0.015, 0.07)       # sigma relative to blood signal
    p["kfrac"] = (_u(rng, 0.7, 1.0), _u(rng, 0.6, 1.0))   # acquired fraction of k-space (read, phase)
    p["blur"] = _u(rng, 0.0, 0.45)
    thickness = _u(rng, 5.0, 8.0)
    p["scale_max"] = _u(rng, 250, 2500)
    p["cycle_ms"] = _u(rng, 700, 1100)
    # Stack from just below the base to the apex (sometimes one slice beyond).
    dz = _u(rng, 6.0, 10.0)
    z0 = _u(rng, 0, 6)
    extent = p["lv_len"] + p["apex_wall"] - z0 + _u(rng, -8, 4)
    if n_slices is None:
        n_slices = int(np.clip(round(extent / dz) + 1, 6, 12))
    dz = round(float(np.clip(extent / (n_slices - 1), 5.0, 10.0)), 2)
    p["thickness"] = min(thickness, dz)
    ef = _u(rng, 0.33, 0.72) if rng.random() < 0.6 else _u(rng, 0.5, 0.68)
    long_short = _u(rng, 0.04, 0.14) * (0.5 + ef)
    # Cavity volume ~ area x length: pick the area change that yields the target EF.
    ef_area = 1 - (1 - ef) / (1 - long_short)
    rv_ef = _u(rng, 0.35, 0.65)
    rv_ef_area = 1 - (1 - rv_ef) / (1 - long_short)
    return Subject(seed=seed, nx=nx, ny=ny, spacing=spacing, dz=dz, n_slices=n_slices, n_frames=n_frames, z0=z0,
                   es_phase=_u(rng, 0.3, 0.42), ef_area=max(0.05, ef_area), rv_ef_area=max(0.05, rv_ef_area),
                   long_short=long_short, p=p)


def _grid(subject: Subject):
    ys = (np.arange(subject.ny, dtype=np.float32) - (subject.ny - 1) / 2) * subject.spacing
    xs = (np.arange(subject.nx, dtype=np.float32) - (subject.nx - 1) / 2) * subject.spacing
    return np.meshgrid(xs, ys)  # X, Y of shape [ny, nx]


def _sig(d, w):
    """Soft inside-mask from a signed distance (mm), edge width w mm."""
    return 1.0 / (1.0 + np.exp(np.clip(d / w, -30, 30)))


def _heart_geometry(s: Subject, z: float, t: int):
    """Radii at depth z and frame t. Longitudinal shortening moves the base toward the apex, so at frame t a
    fixed slice cuts the ED anatomy at depth z_ed = z / length_scale; the cavity area then shrinks by the
    contraction curve and the myocardial area of that level is conserved (wall thickening)."""
    p = s.p
    g = cycle_contraction(t / s.n_frames, s.es_phase)
    z_ed = z / (1 - s.long_short * g)

    def ellipsoid(r0, length):
        return r0 * math.sqrt(1 - (z_ed / length) ** 2) if z_ed < length else 0.0

    r_endo_ed = ellipsoid(p["r_endo"], p["lv_len"])
    r_epi_ed = ellipsoid(p["r_endo"] + p["wall"], p["lv_len"] + p["apex_wall"])
    r_endo = r_endo_ed * math.sqrt(1 - s.ef_area * g)
    r_epi = math.sqrt(r_endo ** 2 + max(0.0, r_epi_ed ** 2 - r_endo_ed ** 2))
    rv_scale = ellipsoid(1.0, p["lv_len"] * p["rv_len_frac"]) * math.sqrt(1 - s.rv_ef_area * g)
    return dict(g=g, r_endo=r_endo, r_epi=r_epi, r_epi_ed=r_epi_ed, rv_scale=rv_scale, z_ed=z_ed)


def _frames(s: Subject, X, Y, z):
    """Body-frame and heart-frame coordinates for depth z."""
    p = s.p
    # Image -> body frame: undo the global shift/rotation/mirror so that the heart lands at p["shift"].
    hx, hy = p["heart_c"]
    gx, gy = X - p["shift"][0], Y - p["shift"][1]
    if p["mirror"]:
        gx = -gx
    c, si = math.cos(p["global_rot"]), math.sin(p["global_rot"])
    bx, by = c * gx + si * gy, -si * gx + c * gy
    bx, by = bx + hx, by + hy                       # body frame, heart centre at (hx, hy)
    tx, ty = p["axis_tilt"]
    cx, cy = hx + tx * z, hy + ty * z
    c2, s2 = math.cos(p["heart_rot"]), math.sin(p["heart_rot"])
    ux, uy = bx - cx, by - cy
    hxf, hyf = c2 * ux + s2 * uy, -s2 * ux + c2 * uy
    return bx, by, hxf, hyf


def _lv_radial(s: Subject, hx, hy):
    p = s.p
    theta = np.arctan2(hy, hx)
    rho = np.hypot(hx, hy)
    ecc, ang = p["lv_ecc"], p["lv_angle"]
    shape = 1 + (1 - ecc) * np.cos(2 * (theta - ang))
    for k, amp, ph in p["lv_harm"]:
        shape = shape + amp * np.cos(k * theta + ph)
    wall = 1.0
    for k, amp, ph in p["wall_harm"]:
        wall = wall + amp * np.cos(k * theta + ph) * 0.5
    on, centre, width, depth = p["infarct"]
    if on:
        dth = np.angle(np.exp(1j * (theta - centre)))
        wall = wall * (1 - depth * np.exp(-(dth / (width / 2)) ** 2))
    return rho, theta, shape, wall


def _heart_masks(s: Subject, hx, hy, geo, z):
    """Soft masks (for the image) and hard masks (labels) of the heart structures."""
    p = s.p
    rho, theta, shape, wall = _lv_radial(s, hx, hy)
    r_endo, r_epi = geo["r_endo"], geo["r_epi"]
    wall_mm = (r_epi - r_endo) * wall
    endo_mod = 1.0
    for k, amp, ph in p["endo_harm"]:
        endo_mod = endo_mod + amp * np.cos(k * theta + ph)
    d_endo = rho - r_endo * shape * endo_mod
    d_epi = rho - (r_endo * shape + wall_mm) if r_endo > 0 else rho - r_epi * shape
    on, ang, width, zmax, _ = p["lvot"]
    if on and z < zmax and r_endo > 0:
        # Basal slice through the LV outflow tract: the cavity opens through the myocardium toward the aortic root.
        dth = np.angle(np.exp(1j * (theta - ang)))
        d_endo = np.where(np.abs(dth) < width / 2 * (1 - z / zmax) ** 0.5, np.minimum(d_endo, d_epi), d_endo)
    out = {"d_endo": d_endo, "d_epi": d_epi}
    # RV: a crescent on the septum (polar band over the LV epicardium, tapering toward its horns) or an
    # ellipse beside the septum minus the LV.
    out["d_rv"] = np.full_like(rho, 1e3)
    if geo["rv_scale"] > 0.05:
        r_ref = geo["r_epi_ed"] if geo["r_epi_ed"] > 0 else r_epi
        dirn = p["rv_dir"]
        if p["rv_crescent"]:
            half = p["rv_half_angle"] * (0.75 + 0.25 * geo["rv_scale"])
            dth = np.angle(np.exp(1j * (theta - dirn)))
            taper = np.clip(1 - (dth / half) ** 2, 0, None) ** p["rv_taper"]
            mod = 1.0
            for k, amp, ph in p["rv_harm"]:
                mod = mod + amp * np.cos(k * theta + ph)
            thick = p["rv_thick"] * r_ref * geo["rv_scale"] * taper * mod
            r_in = rho - d_epi
            d_rv = np.maximum(r_in - rho, rho - (r_in + thick))
            out["d_rv"] = np.where(thick > 0.3, d_rv, 1e3)
        else:
            size = p["rv_size"] * r_ref * geo["rv_scale"]
            dist = r_epi * 0.55 + size * p["rv_depth"] * 0.8
            rv = Blob(dist * math.cos(dirn), dist * math.sin(dirn), size * 0.75, size * 1.35, dirn, p["rv_harm"])
            out["d_rv"] = np.maximum(rv.signed_distance(hx, hy), -d_epi)     # exclude the LV
    # Papillary muscles and trabeculations inside the cavity.
    papd = np.full_like(rho, 1e3)
    if r_endo > 3:
        z_frac = z / max(1.0, p["lv_len"])
        for ang, rad, zlo, zhi in p["pap"]:
            if zlo < z_frac < zhi + 0.1:
                rr = min(rad * (1 + 0.4 * geo["g"]), 0.3 * r_endo)   # thicker in systole
                pos = max(0.0, r_endo - rr * 0.9)
                px, py = pos * math.cos(ang), pos * math.sin(ang)
                papd = np.minimum(papd, np.hypot(hx - px, hy - py) - rr)
        for ang, rad, inset, zmax, reach in p["trab"]:
            if z_frac < zmax:
                for step in (0.0, reach * rad):          # a short finger from the wall inward
                    pos = max(0.0, r_endo - inset - step)
                    px, py = pos * math.cos(ang), pos * math.sin(ang)
                    papd = np.minimum(papd, np.hypot(hx - px, hy - py) - rad * (1 - 0.3 * (step > 0)))
    out["d_pap"] = papd
    return out


def _label_at(s: Subject, X, Y, z: float, t: int) -> np.ndarray:
    geo = _heart_geometry(s, max(z, 0.0), t)
    _, _, hx, hy = _frames(s, X, Y, z)
    h = _heart_masks(s, hx, hy, geo, z)
    label = np.zeros((s.ny, s.nx), np.uint8)
    label[h["d_rv"] < 0] = RV
    label[h["d_epi"] < 0] = MYO
    label[h["d_endo"] < 0] = LV
    return label


def render_label(s: Subject, k: int, t: int) -> np.ndarray:
    """Label map uint8 [ny, nx] of slice k, frame t (cheap: no image)."""
    X, Y = _grid(s)
    return _label_at(s, X, Y, s.z0 + k * s.dz, t)


def render_slice(s: Subject, k: int, t: int, *, noise_seed=None):
    """Return (image float32 [ny,nx] magnitude, label uint8 [ny,nx]) for slice k, frame t."""
    p, c = s.p, s.p["contrast"]
    X, Y = _grid(s)
    w = 0.35 * s.spacing
    z_label = s.z0 + k * s.dz
    rng_tex = np.random.default_rng([s.seed, 1, k])
    tex = _smooth_field(rng_tex, (s.ny, s.nx), 8.0 / s.spacing)
    tex2 = _smooth_field(rng_tex, (s.ny, s.nx), 1.2 / s.spacing)
    # Through-plane partial volume: the intensity is the mean over three sub-slices; the label is the centre one.
    subz = [z_label - p["thickness"] / 3, z_label, z_label + p["thickness"] / 3]
    img = np.zeros((s.ny, s.nx), np.float32)
    for z in subz:
        geo = _heart_geometry(s, max(z, 0.0), t)
        bx, by, hx, hy = _frames(s, X, Y, z)
        h = _heart_masks(s, hx, hy, geo, z)
        img += _render_anatomy(s, bx, by, hx, hy, h, geo, w, c, z) / len(subz)
    img *= (1 + p["texture"] * (0.4 * tex + 0.6 * tex2))
    img = np.clip(img, 0, None)
    return _acquire(s, img, k, t, noise_seed), _label_at(s, X, Y, z_label, t)


def _render_anatomy(s, bx, by, hx, hy, h, geo, w, c, z):
    p = s.p
    body = p["body"]
    d_body = body.signed_distance(bx, by)
    ang = np.arctan2(by, bx)
    fat_t = np.full_like(bx, p["fat"])
    for k_, amp, ph in p["fat_harm"]:
        fat_t = fat_t * (1 + amp * np.cos(k_ * ang + ph))
    fat_t = np.clip(fat_t, 2.0, None)
    mus_t = p["muscle"] * (1 + p["pectoral"][0] * np.clip(-np.sin(ang - p["pectoral"][1]), 0, None) ** 2)
    inside = _sig(d_body, w)
    fat = inside * (1 - _sig(d_body + fat_t, w * 2))
    muscle_ring = _sig(d_body + fat_t, w) * (1 - _sig(d_body + fat_t + mus_t, w * 2))
    interior = _sig(d_body + fat_t + mus_t, w)
    img = c["fat"] * fat + c["muscle"] * muscle_ring
    if p["breast"] is not None:
        br = _sig(p["breast"].signed_distance(bx, by), w * 3) * (1 - interior)
        img = img * (1 - br) + c["fat"] * 0.95 * br
    # Interior: lungs by default, then organs painted over.
    base = np.full_like(bx, c["lung"])
    for vx, vy, vr in p["vessels"]:
        base = base + (c["vessel"] - c["lung"]) * _sig(np.hypot(bx - vx, by - vy) - vr, w)
    zf = min(1.5, max(0.0, z / max(1.0, p["lv_len"])))
    def paint(cur, mask, val):
        return cur * (1 - mask) + val * mask
    # Arms at the sides when imaged with arms down.
    if p["arms"]:
        ax = p["arm_side"] * (body.a + 45)
        arm = _sig(np.hypot((bx - ax) / 40, (by - 0) / 55) * 45 - 45, w)
        armfat = _sig(np.hypot((bx - ax) / 40, (by - 0) / 55) * 45 - 50, w)
        img = paint(img, armfat, c["fat"])
        img = paint(img, arm, c["muscle"])
    liver_scale = 0.55 + 0.6 * zf
    liver = _sig(p["liver"].signed_distance(bx, by, liver_scale), w * 2)
    for blob, val, zmin in p["clutter"]:
        if zf >= zmin:
            base = paint(base, _sig(blob.signed_distance(bx, by), w * 2), val)
    for blob, val in p["streaks"]:
        base = paint(base, _sig(blob.signed_distance(bx, by), w), val)
    base = paint(base, _sig(p["mediastinal"].signed_distance(bx, by), w * 2), c["medi"])
    base = paint(base, liver, c["liver"])
    base = paint(base, _sig(p["ivc"].signed_distance(bx, by), w), c["aorta"] * 0.9)
    sp = _sig(p["spleen"].signed_distance(bx, by, 0.5 + 0.6 * zf), w * 2)
    base = paint(base, sp, c["spleen"])
    st = _sig(p["stomach"].signed_distance(bx, by, 0.4 + 0.8 * zf), w)
    if p["stomach_kind"] == 0:
        stv = c["stomach"][0]
    elif p["stomach_kind"] == 1:
        stv = c["stomach"][1]
    else:
        stv = np.where(by < p["stomach"].cy, c["stomach"][1], c["stomach"][0])
    base = paint(base, st * _sig(p["stomach"].signed_distance(bx, by, 0.4 + 0.8 * zf) + 3, w), c["other"])
    base = paint(base, _sig(p["stomach"].signed_distance(bx, by, 0.4 + 0.8 * zf) + 3, w), stv)
    base = paint(base, _sig(p["spine"].signed_distance(bx, by) - 3, w), c["other"] * 0.6)
    base = paint(base, _sig(p["spine"].signed_distance(bx, by), w), c["bone"])
    base = paint(base, _sig(p["canal"].signed_distance(bx, by), w), c["csf"])
    base = paint(base, _sig(p["aorta"].signed_distance(bx, by) - 1.5, w), c["other"] * 0.5)
    base = paint(base, _sig(p["aorta"].signed_distance(bx, by), w), c["aorta"])
    # Heart: pericardial fat, epicardial fat, myocardium, blood pools, papillary muscles.
    if geo["r_epi"] > 0:
        theta = np.arctan2(hy, hx)
        if z < 18:
            for ang, dist, rad in p["atria"]:
                r0 = geo["r_epi"] + rad * 0.8 + 2
                ax_, ay_ = r0 * math.cos(ang), r0 * math.sin(ang)
                base = paint(base, _sig(np.hypot(hx - ax_, hy - ay_) - rad * (1 - z / 18), w), c["blood"] * 0.95)
        on, val, thick = p["peri"]
        if on:
            d_peri = np.minimum(h["d_epi"], h["d_rv"] - 3.0)
            base = paint(base, _sig(d_peri - thick, w * 2), val)
        for ang, thick, spread in p["epifat"]:
            dth = np.angle(np.exp(1j * (theta - ang)))
            band = _sig(h["d_epi"] - thick * np.exp(-(dth / (spread / 2)) ** 2), w * 2) * (1 - _sig(h["d_epi"], w))
            base = paint(base, band, c["fat"])
        on, ang, width, zmax, rr = p["lvot"]
        if on and z < zmax:
            r0 = geo["r_epi"] + rr * 0.6
            base = paint(base, _sig(np.hypot(hx - r0 * math.cos(ang), hy - r0 * math.sin(ang)) - rr, w), c["aorta"])
        myo = _sig(h["d_epi"], w)
        rv_wall = _sig(h["d_rv"] - 2.5, w) * (1 - _sig(h["d_epi"], w))
        base = paint(base, rv_wall, c["myo"])
        base = paint(base, myo, c["myo"])
        rv = _sig(h["d_rv"], w)
        flow = 1 + p["blood_flow"] * np.cos(np.hypot(hx, hy) / 6.0)
        base = paint(base, rv, c["blood"] * c["rv_blood"] * flow)
        r_ref = max(geo["r_epi_ed"], 1.0)
        for dang, rpos, rad in p["rv_trab"]:
            a_ = p["rv_dir"] + dang
            tb = _sig(np.hypot(hx - r_ref * rpos * math.cos(a_), hy - r_ref * rpos * math.sin(a_)) - rad, w) * rv
            base = paint(base, tb, c["myo"] * 1.1)
        lv = _sig(h["d_endo"], w)
        zf_ = min(1.0, max(0.0, z / max(1.0, p["lv_len"])))
        blood = c["blood"] * flow * (1 - p["blood_apex_dim"] * zf_ ** 3)
        blood = blood * (1 - p["blood_wall_dim"] * np.exp(np.clip(h["d_endo"], -50, 0) / 3.0))
        base = paint(base, lv, blood)
        pap = _sig(h["d_pap"], w) * lv
        base = paint(base, pap, c["myo"] * 1.05)
    img = img + interior * base
    return img


def _acquire(s: Subject, img, k, t, noise_seed):
    """Bias field, k-space truncation (blur + ringing), complex noise -> magnitude (Rician), scaled."""
    p = s.p
    X, Y = _grid(s)
    fov = max(s.nx, s.ny) * s.spacing
    bias = p["bias_amp"] * (X * math.cos(p["bias_dir"]) + Y * math.sin(p["bias_dir"])) / fov
    # Surface-coil hot spot near the anterior chest wall (in image coordinates after the global rotation).
    ang = p["global_rot"] + math.pi / 2
    cx = p["shift"][0] + (p["body"].b * 0.8) * math.cos(ang + math.pi) * 0.6
    cy = p["shift"][1] + (p["body"].b * 0.8) * math.sin(ang + math.pi) * 0.6
    bias = bias + p["coil_amp"] * np.exp(-((X - cx) ** 2 + (Y - cy) ** 2) / (2 * p["coil_w"] ** 2))
    img = img * np.exp(bias - bias.mean())
    rng = np.random.default_rng([s.seed, 2, k, t] if noise_seed is None else [noise_seed])
    sigma = p["noise"]
    cplx = img + sigma * (rng.standard_normal(img.shape) + 1j * rng.standard_normal(img.shape))
    if p["blur"] > 0.05:
        cplx = ndimage.gaussian_filter(cplx.real, p["blur"]) + 1j * ndimage.gaussian_filter(cplx.imag, p["blur"])
    ksp = np.fft.fftshift(np.fft.fft2(cplx))
    fr, fp = p["kfrac"]
    ky = np.abs(np.arange(s.ny) - s.ny // 2) <= fp * s.ny / 2
    kx = np.abs(np.arange(s.nx) - s.nx // 2) <= fr * s.nx / 2
    ksp = ksp * (ky[:, None] & kx[None, :])
    out = np.abs(np.fft.ifft2(np.fft.ifftshift(ksp))).astype(np.float32)
    return out * p["scale_max"]


def render_volume(s: Subject):
    """4D cine: image float32 [Z,T,ny,nx], label uint8 [Z,T,ny,nx]."""
    img = np.zeros((s.n_slices, s.n_frames, s.ny, s.nx), np.float32)
    lab = np.zeros((s.n_slices, s.n_frames, s.ny, s.nx), np.uint8)
    for k in range(s.n_slices):
        for t in range(s.n_frames):
            img[k, t], lab[k, t] = render_slice(s, k, t)
    return img, lab


def cardiac_parameters(label_zt, spacing_xyz):
    """ED/ES, volumes, EF and LV mass from a label array [Z,T,ny,nx]; ED = frame 0, ES = min LV volume."""
    voxel_ml = float(np.prod(spacing_xyz)) / 1000.0
    lv = (label_zt == LV).sum(axis=(0, 2, 3)) * voxel_ml
    rv = (label_zt == RV).sum(axis=(0, 2, 3)) * voxel_ml
    ed = 0
    es = int(np.argmin(lv))
    edv, esv = float(lv[ed]), float(lv[es])
    myo_ml = float((label_zt[:, ed] == MYO).sum()) * voxel_ml
    return {
        "edFrame": ed,
        "esFrame": es,
        "edvMl": round(edv, 3),
        "esvMl": round(esv, 3),
        "ef": round((edv - esv) / edv, 4) if edv > 0 else 0.0,
        "lvMassG": round(myo_ml * MYOCARDIUM_DENSITY_G_PER_ML, 3),
        "rvEdvMl": round(float(rv[ed]), 3),
        "rvEsvMl": round(float(rv[es]), 3),
        "spacingMm": [float(spacing_xyz[0]), float(spacing_xyz[1]), float(spacing_xyz[2])],
        "lvVolumesMl": [round(float(v), 3) for v in lv],
    }
