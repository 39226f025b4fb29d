"""Phantom generator B: an independent short-axis cine bSSFP generator, the project's own distribution-shift test set.

Written separately from the training generator (phantom.py) and never used for training. What differs:
- shapes: LV endocardium a superellipse (exponent 1.7-2.8) with a periodic cubic-spline radius perturbation; a
  superellipsoidal long-axis profile; per-angle spline wall thickness with septal thickening; a solid apical cap;
  twist during systole; papillary muscles as two elongated ellipses attached to the wall; trabeculation as radial
  strands in an endocardial band; the RV a superellipse (its own exponent, rotation, width profile along the long
  axis) beside the LV minus the LV epicardium, with a free wall and a moderator band;
- anatomy around the heart: a superelliptic torso, fat, chest-wall muscle, ribs (cortex + marrow), two lungs with
  vessels, mediastinal fat, atria and great vessels at the base, spine + canal, descending aorta, liver and
  stomach (air / fluid) toward the apex, optional breast tissue;
- intensities: a bSSFP steady-state signal equation from per-tissue proton density, T1 and T2 (jittered per
  subject) with a random flip angle and TR, and blood inflow enhancement;
- acquisition: 2x oversampled rendering and k-space cropping (sinc PSF, Gibbs ringing) with a reduced acquired
  matrix, a Gaussian through-plane slice profile (five sub-slices), off-resonance banding, periodic respiratory
  ghosts along the phase-encode axis, phase-encode wrap-around, multi-coil sensitivities with root-sum-of-squares
  combination (non-central chi noise, coil shading), flow voids at the base.

Labels follow the project's (ACDC) convention: 0 background, 1 RV cavity (the free wall is background; moderator
band and trabeculae inside the cavity are RV), 2 myocardium, 3 LV cavity (papillary muscles and trabeculation
included). Arrays are [row, col]; slice k sits k * dz mm below the first slice (base -> apex); frame 0 = ED.
Seeds: anything (deterministic); evaluate.py uses 3_000_000.. and make_fixture_b 3_100_000...
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.interpolate import CubicSpline

RV, MYO, LV = 1, 2, 3
GENERATOR = "training/mri/phantom_b.py"

# (proton density, T1 ms, T2 ms) at 1.5 T, roughly
TISSUES = {
    "blood": (0.95, 1550, 250), "myo": (0.8, 1030, 48), "fat": (1.0, 300, 85), "muscle": (0.8, 1000, 35),
    "lung": (0.12, 1200, 40), "liver": (0.75, 600, 45), "spleen": (0.8, 1100, 70), "marrow": (0.9, 450, 70),
    "cortex": (0.05, 1000, 5), "csf": (1.0, 4000, 2000), "fluid": (1.0, 3000, 1200), "air": (0.0, 1000, 10),
    "medi": (0.85, 450, 75), "gland": (0.85, 900, 60), "vessel_wall": (0.6, 1000, 40),
}


def bssfp(pd, t1, t2, flip_deg, tr_ms):
    """On-resonance balanced SSFP magnitude at TE = TR/2."""
    a = math.radians(flip_deg)
    e1, e2 = math.exp(-tr_ms / t1), math.exp(-tr_ms / t2)
    return pd * math.sin(a) * (1 - e1) * math.sqrt(e2) / (1 - (e1 - e2) * math.cos(a) - e1 * e2)


def _periodic_spline(rng, n_ctrl: int, amp: float):
    """A smooth periodic function of the angle: cubic spline through n_ctrl random values (period 2 pi)."""
    v = rng.uniform(-amp, amp, n_ctrl)
    x = np.linspace(0, 2 * np.pi, n_ctrl + 1)
    cs = CubicSpline(x, np.append(v, v[0]), bc_type="periodic")
    return lambda th: cs(np.mod(th, 2 * np.pi))


def _superellipse_r(theta, a, b, n):
    c, s = np.abs(np.cos(theta)), np.abs(np.sin(theta))
    return (np.power(c / a, n) + np.power(s / b, n) + 1e-12) ** (-1.0 / n)


def _soft(d, w):
    """Inside weight from a signed distance d (mm, negative inside), edge width w mm."""
    return 1.0 / (1.0 + np.exp(np.clip(d / w, -40, 40)))


def cycle(phase: float, es: float) -> float:
    """Contraction 0 (ED) .. 1 (ES): sine-squared ejection, then a logistic early filling and an atrial step."""
    if phase <= es:
        return math.sin(0.5 * math.pi * phase / es) ** 2
    s = (phase - es) / (1 - es)
    early = 1 / (1 + math.exp((s - 0.25) / 0.06))
    return 0.8 * early + 0.2 * (1 - s) ** 1.5 * (1 - early) if s < 1 else 0.0


@dataclass
class CaseB:
    seed: int
    nx: int
    ny: int
    spacing: float
    dz: float
    thickness: float
    n_slices: int
    n_frames: int
    q: dict


def make_case(seed: int, *, n_slices=None, n_frames=None, matrix=None, spacing=None) -> CaseB:
    rng = np.random.default_rng([seed, 0xB0B])
    U = lambda lo, hi: float(rng.uniform(lo, hi))   # noqa: E731
    spacing = spacing or round(U(1.0, 2.1), 3)
    nx = matrix or int(rng.integers(72, 121)) * 2
    ny = matrix or int(round(nx * U(0.75, 1.0) / 2)) * 2
    n_frames = n_frames or int(rng.integers(10, 21))
    q: dict = {}
    kind = rng.choice(["normal", "dilated", "hypertrophic", "small"], p=[0.45, 0.25, 0.15, 0.15])
    q["kind"] = str(kind)
    q["R0"] = {"normal": U(21, 28), "dilated": U(28, 36), "hypertrophic": U(17, 24), "small": U(15, 20)}[kind]
    q["T0"] = {"normal": U(7, 10), "dilated": U(5.5, 8), "hypertrophic": U(12, 17), "small": U(7, 10)}[kind]
    q["L"] = U(65, 90) * (1.12 if kind == "dilated" else 1.0)                 # base -> endocardial apex, mm
    q["Tap"] = U(5, 10)
    q["pz"] = U(1.6, 3.0)                                                      # superellipsoid long-axis profile
    q["n_lv"] = U(1.7, 2.8)
    q["ecc"] = U(0.78, 1.0)
    q["lv_rot"] = U(0, math.pi)
    q["endo_sp"] = _periodic_spline(rng, int(rng.integers(5, 11)), 0.07)
    q["wall_sp"] = _periodic_spline(rng, int(rng.integers(4, 8)), 0.3)
    q["septal"] = U(0.0, 0.35)
    q["thin"] = (rng.random() < 0.25, U(0, 2 * math.pi), U(0.4, 1.2), U(0.3, 0.6))  # thinned (infarcted) segment
    q["twist"] = U(0.05, 0.25)                                                  # rad at the apex at ES
    q["tilt"] = (U(-0.15, 0.15), U(-0.15, 0.15))
    q["psi"] = math.pi + U(-0.6, 0.5)                                           # RV direction (patient frame)
    q["rv_len"] = U(0.7, 0.95)
    q["rv_n"] = (U(1.5, 2.2), U(2.0, 3.2))                                      # exponent at base, at apex
    q["rv_h"] = U(9, 24)                                                        # RV depth beyond the septum, mm
    q["rv_w"] = U(1.15, 1.7)                                                    # RV width / LV epicardial radius
    q["rv_rot"] = U(-0.35, 0.35)
    q["rv_shift"] = U(-0.25, 0.25)                                              # along the septum, fraction of width
    q["rv_wall"] = U(2.0, 4.0)
    q["moderator"] = (rng.random() < 0.6, U(-0.5, 0.5), U(1.2, 2.5))
    q["trab"] = (U(1.0, 4.0), int(rng.integers(24, 64)), U(0.35, 0.65), float(rng.uniform(0, 2 * math.pi)))
    q["pap"] = [(q["psi"] + off + U(-0.3, 0.3), U(2.5, 5.5), U(1.1, 1.8)) for off in (U(1.9, 2.5), -U(1.9, 2.5))]
    q["pap_z"] = (U(0.2, 0.4), U(0.7, 0.9))
    ef = U(0.25, 0.75)
    ls = U(0.05, 0.15)
    q["ef"], q["ls"] = ef, ls
    q["efa"] = max(0.05, 1 - (1 - ef) / (1 - ls))
    q["rv_efa"] = max(0.05, 1 - (1 - U(0.3, 0.65)) / (1 - ls))
    q["es"] = U(0.28, 0.45)
    # --- body, patient frame: heart (LV centre) at the origin, anterior = -y, patient left = +x -----------------
    W, D = U(135, 190), U(90, 130)
    q["body"] = (-W * U(0.02, 0.15), D * U(0.0, 0.25), W, D, U(2.2, 3.2))      # centre x, y, half-axes, exponent
    q["fat"] = U(5, 32)
    q["muscle"] = U(7, 20)
    q["ribs"] = [(U(0, 2 * math.pi), U(4, 7), U(2.5, 4.5)) for _ in range(int(rng.integers(4, 12)))]
    q["breast"] = (rng.random() < 0.3, U(-0.3, 0.6), U(30, 70), U(15, 40))
    q["medi"] = (U(1.05, 1.35), U(4, 15))                                       # mediastinum scale, extra margin
    q["peri_fat"] = U(0.5, 4.0)
    q["spine"] = (U(-8, 8), U(0.7, 0.85), U(13, 19))
    q["aorta"] = (U(18, 30), U(-35, -20), U(9, 14))
    q["liver"] = (-W * U(0.15, 0.5), D * U(0.35, 0.7), W * U(0.4, 0.65), D * U(0.45, 0.75), U(0.5, 0.9))
    q["stomach"] = (W * U(0.25, 0.55), D * U(0.2, 0.5), U(18, 40), U(14, 30), rng.random() < 0.6)
    q["lung_vessels"] = [(U(-1, 1), U(-1, 1), U(1.0, 3.5)) for _ in range(int(rng.integers(10, 40)))]
    q["atria"] = [(q["psi"] + math.pi + U(-0.5, 0.5), U(15, 25)), (q["psi"] + U(0.4, 1.1), U(12, 22))]
    q["roots"] = (rng.random() < 0.7, q["psi"] + U(-1.6, -0.7), U(10, 15))
    q["global"] = (U(-0.5, 0.5) + (U(0, 2 * math.pi) if rng.random() < 0.15 else 0.0), rng.random() < 0.1,
                   U(-22, 22), U(-22, 22))                                      # rotation, mirror, shift x, y
    # --- acquisition ------------------------------------------------------------------------------------------
    q["flip"], q["tr"] = U(35, 80), U(2.6, 4.0)
    tis = {}
    for k, (pd, t1, t2) in TISSUES.items():
        tis[k] = bssfp(pd * U(0.9, 1.1), t1 * U(0.85, 1.15), t2 * U(0.85, 1.15), q["flip"], q["tr"])
    tis["blood"] *= U(1.0, 1.3)                                                 # inflow
    top = max(tis.values())
    q["sig"] = {k: v / top for k, v in tis.items()}
    q["acq_frac"] = (U(0.6, 1.0), U(0.5, 1.0))                                  # acquired matrix fraction (read, phase)
    q["phase_axis"] = int(rng.integers(0, 2))
    q["wrap"] = U(0.05, 0.2) if rng.random() < 0.3 else 0.0
    q["ghost"] = (U(0.04, 0.2), U(3, 9), U(0, 2 * math.pi)) if rng.random() < 0.45 else None
    q["band"] = (U(0.5, 2.0), U(0, 2 * math.pi), U(0.3, 1.0), U(0, 1)) if rng.random() < 0.35 else None
    q["coils"] = (int(rng.integers(4, 9)), U(80, 160), U(0, 2 * math.pi))
    q["noise"] = U(0.01, 0.06)
    q["flow_void"] = rng.random() < 0.4
    q["scale"] = U(300, 3000)
    q["cycle_ms"] = U(650, 1150)
    thickness = U(6.0, 10.0)
    z_first = U(0, 8)
    extent = q["L"] + q["Tap"] - z_first + U(-10, 3)
    if n_slices is None:
        n_slices = int(np.clip(round(extent / U(7, 11)) + 1, 6, 14))
    dz = round(float(np.clip(extent / max(n_slices - 1, 1), 5.0, 12.0)), 2)
    q["z_first"] = z_first
    return CaseB(seed=seed, nx=nx, ny=ny, spacing=spacing, dz=dz, thickness=min(thickness, dz + 2), n_slices=n_slices,
                 n_frames=n_frames, q=q)


def _patient_coords(c: CaseB, over: int = 1, extra_rows: int = 0, extra_cols: int = 0):
    """Pixel centres of the (oversampled) grid -> patient-frame coordinates (x, y) in mm."""
    q = c.q
    sp = c.spacing / over
    ny, nx = c.ny * over + 2 * extra_rows, c.nx * over + 2 * extra_cols
    ys = (np.arange(ny) - (ny - 1) / 2) * sp
    xs = (np.arange(nx) - (nx - 1) / 2) * sp
    X, Y = np.meshgrid(xs, ys)
    rot, mirror, sx, sy = q["global"]
    X, Y = X - sx, Y - sy
    cr, sr = math.cos(rot), math.sin(rot)
    u, v = cr * X + sr * Y, -sr * X + cr * Y
    if mirror:
        u = -u
    return u, v


def _heart(c: CaseB, u, v, z: float, t: int):
    """Heart fields at depth z (mm below the first slice plane + z_first) and frame t: signed radial distances of
    the endocardium / epicardium, RV cavity mask distance, and image-only structures."""
    q = c.q
    g = cycle(t / c.n_frames, q["es"])
    zz = max(z, 0.0) / (1 - q["ls"] * g)                                         # ED depth cut by this plane
    tx, ty = q["tilt"]
    x, y = u - tx * zz, v - ty * zz
    rho = np.hypot(x, y)
    th = np.arctan2(y, x)
    tw = q["twist"] * g * min(zz / q["L"], 1.0)
    thl = th - q["lv_rot"] - tw
    shape = _superellipse_r(thl, 1.0, q["ecc"], q["n_lv"]) * (1 + q["endo_sp"](thl))

    def prof(length):
        return (1 - min(zz / length, 1.0) ** q["pz"]) ** (1 / q["pz"]) if zz < length else 0.0

    f_endo, f_epi = prof(q["L"]), prof(q["L"] + q["Tap"])
    dth_rv = np.angle(np.exp(1j * (th - q["psi"])))
    wall = q["T0"] * (1 + q["wall_sp"](thl)) * (1 + q["septal"] * np.exp(-(dth_rv / 0.7) ** 2))
    on, ang, width, depth = q["thin"]
    if on:
        wall = wall * (1 - depth * np.exp(-(np.angle(np.exp(1j * (th - ang))) / (width / 2)) ** 2))
    r_endo_ed = q["R0"] * f_endo * shape
    r_epi_ed = np.maximum((q["R0"] * shape + wall) * f_epi, r_endo_ed + 1.0 * (f_epi > 0))
    r_endo = r_endo_ed * math.sqrt(1 - q["efa"] * g)
    r_epi = np.sqrt(r_endo ** 2 + np.maximum(r_epi_ed ** 2 - r_endo_ed ** 2, 0))
    out = {"g": g, "zz": zz, "rho": rho, "th": th, "d_endo": rho - r_endo if f_endo > 0 else np.full_like(rho, 1e3),
           "d_epi": rho - r_epi if f_epi > 0 else np.full_like(rho, 1e3), "r_endo": r_endo, "f_endo": f_endo}
    # RV: superellipse beside the LV, minus the LV epicardium.
    L_rv = q["L"] * q["rv_len"]
    s_rv = (1 - min(zz / L_rv, 1.0) ** 1.5) ** 0.7 if zz < L_rv else 0.0
    out["d_rv"] = np.full_like(rho, 1e3)
    out["d_rvwall"] = np.full_like(rho, 1e3)
    if s_rv > 0.05 and f_epi > 0:
        r_ref = (q["R0"] + q["T0"]) * f_epi
        h = q["rv_h"] * s_rv * math.sqrt(1 - q["rv_efa"] * g)
        half_w = q["rv_w"] * r_ref * (0.75 + 0.25 * s_rv) * (1 - 0.15 * q["rv_efa"] * g)
        half_d = (r_ref + h) / 2 + 0.5 * r_ref * 0.3
        cen = r_ref + h - half_d                                                 # outer edge at r_ref + h
        ca, sa = math.cos(q["psi"]), math.sin(q["psi"])
        p_ = ca * x + sa * y - cen                                               # along the RV direction
        s_ = -sa * x + ca * y - q["rv_shift"] * half_w
        cr, sr = math.cos(q["rv_rot"]), math.sin(q["rv_rot"])
        p2, s2 = cr * p_ + sr * s_, -sr * p_ + cr * s_
        n = q["rv_n"][0] + (q["rv_n"][1] - q["rv_n"][0]) * min(zz / L_rv, 1.0)
        rr = np.hypot(p2, s2)
        r_se = _superellipse_r(np.arctan2(s2, p2), half_d, half_w, n)
        d_se = rr - r_se
        out["d_rv"] = np.maximum(d_se, -out["d_epi"])
        out["d_rvwall"] = np.maximum(d_se - q["rv_wall"], -out["d_epi"])
        out["rv_frame"] = (p2, s2, half_d, half_w)
    return out


def label_slice(c: CaseB, k: int, t: int, over: int = 1) -> np.ndarray:
    u, v = _patient_coords(c, over)
    h = _heart(c, u, v, c.q["z_first"] + k * c.dz, t)
    lab = np.zeros(u.shape, np.uint8)
    lab[h["d_rv"] < 0] = RV
    lab[h["d_epi"] < 0] = MYO
    lab[h["d_endo"] < 0] = LV
    return lab


def _static(c: CaseB, u, v, w: float):
    """The parts of the image that do not move with depth or frame (body wall, ribs, lung vessels, spine, aorta),
    cached per case and grid: (outside-thorax image, thorax weight, thorax interior)."""
    key = ("_static", u.shape)
    if key in c.q:
        return c.q[key]
    q, S = c.q, c.q["sig"]
    bxc, byc, W, D, ne = q["body"]
    bu, bv = u - bxc, v - byc
    rb = np.hypot(bu, bv)
    thb = np.arctan2(bv, bu)
    r_body = _superellipse_r(thb, W, D, ne)
    d_body = rb - r_body
    img = np.zeros(u.shape, np.float64)
    paint = lambda cur, m, val: cur * (1 - m) + val * m                          # noqa: E731
    inside = _soft(d_body, w)
    img = paint(img, inside, S["fat"])
    inner1 = _soft(d_body + q["fat"], w)
    img = paint(img, inner1, S["muscle"])
    thorax = _soft(d_body + q["fat"] + q["muscle"], w)
    on, off, bw, bh = q["breast"]
    if on:
        lobules = _smooth_noise(np.random.default_rng([c.seed, 9]), u.shape, 3.0 / (c.spacing / 2)) > 0
        bm = _soft(np.hypot((u - bxc - off * W) / bw, (v - byc + D * 0.95) / bh) - 1, 0.05) * (1 - inner1)
        img = paint(img, bm * lobules, S["gland"])
    for ang, rr, cw in q["ribs"]:
        r_at = _superellipse_r(ang, W, D, ne) - q["fat"] - q["muscle"] * 0.6
        cx, cy = bxc + r_at * math.cos(ang), byc + r_at * math.sin(ang)
        d = np.hypot(u - cx, v - cy)
        img = paint(img, _soft(d - rr, w), S["cortex"])
        img = paint(img, _soft(d - rr + 1.5, w), S["marrow"])
    interior = np.full(u.shape, S["lung"])
    for vx, vy, vr in q["lung_vessels"]:
        interior = paint(interior, _soft(np.hypot(u - bxc - vx * W * 0.7, v - byc - vy * D * 0.7) - vr, w), S["blood"] * 0.7)
    spx, spy, spr = q["spine"]
    cx, cy = bxc + spx, byc + D * spy
    interior = paint(interior, _soft(np.hypot(u - cx, v - cy) - spr - 12, w), S["muscle"])
    interior = paint(interior, _soft(np.hypot(u - cx, v - cy) - spr, w), S["cortex"])
    interior = paint(interior, _soft(np.hypot(u - cx, v - cy) - spr + 1.5, w), S["marrow"])
    interior = paint(interior, _soft(np.hypot(u - cx, v - cy - spr - 8) - 6, w), S["csf"])
    ax_, ay_, ar = q["aorta"]
    interior = paint(interior, _soft(np.hypot(u - cx - ax_, v - cy - ay_) - ar - 1.5, w), S["vessel_wall"])
    interior = paint(interior, _soft(np.hypot(u - cx - ax_, v - cy - ay_) - ar, w), S["blood"] * 0.9)
    c.q[key] = (img, thorax, interior)
    return c.q[key]


def _anatomy(c: CaseB, u, v, z: float, t: int, w: float, rng_tex):
    """Signal image (before acquisition) at depth z on the coordinates (u, v)."""
    q, S = c.q, c.q["sig"]
    bxc, byc, W, D, ne = q["body"]
    paint = lambda cur, m, val: cur * (1 - m) + val * m                          # noqa: E731
    img, thorax, interior = _static(c, u, v, w)
    interior = interior.copy()
    zf = z / q["L"]
    lx, ly, la, lb, lz = q["liver"]
    if zf > lz - 0.4:
        grow = min(1.0, (zf - lz + 0.4) / 0.6)
        interior = paint(interior, _soft(np.hypot((u - lx) / (la * grow + 1e-3), (v - ly) / (lb * grow + 1e-3)) - 1, 0.03), S["liver"])
    sx_, sy_, sa_, sb_, air = q["stomach"]
    if zf > 0.5:
        sgrow = min(1.0, (zf - 0.5) / 0.5)
        m = _soft(np.hypot((u - sx_) / (sa_ * sgrow + 1e-3), (v - sy_) / (sb_ * sgrow + 1e-3)) - 1, 0.04)
        interior = paint(interior, m, S["muscle"])
        m2 = _soft(np.hypot((u - sx_) / (sa_ * sgrow * 0.85 + 1e-3), (v - sy_) / (sb_ * sgrow * 0.85 + 1e-3)) - 1, 0.04)
        content = np.where(v < sy_, S["air"], S["fluid"]) if air else S["fluid"]
        interior = paint(interior, m2, content)
    # heart and mediastinum
    h = _heart(c, u, v, z, t)
    msc, mmar = q["medi"]
    if np.isfinite(h["d_epi"]).any() and (h["d_epi"] < 900).any():
        d_heart = np.minimum(h["d_epi"], h["d_rvwall"])
        interior = paint(interior, _soft(d_heart - mmar, w * 3), S["medi"])
        interior = paint(interior, _soft(d_heart - q["peri_fat"], w), S["fat"])
    if z < 20:                                                                  # atria and great vessels at the base
        fade = 1 - z / 20
        r_ref = q["R0"] + q["T0"]
        for ang, rad in q["atria"]:
            cxa, cya = (r_ref + rad * 0.8) * math.cos(ang), (r_ref + rad * 0.8) * math.sin(ang)
            interior = paint(interior, _soft(np.hypot(u - cxa, v - cya) - rad * fade, w), S["blood"] * 0.95)
        on, ang, rad = q["roots"]
        if on and z < 12:
            cxa, cya = (r_ref + rad) * math.cos(ang), (r_ref + rad) * math.sin(ang)
            interior = paint(interior, _soft(np.hypot(u - cxa, v - cya) - rad, w), S["blood"])
    interior = paint(interior, _soft(h["d_rvwall"], w), S["myo"])
    rvm = _soft(h["d_rv"], w)
    interior = paint(interior, rvm, S["blood"])
    mon, mpos, mwid = q["moderator"]
    if mon and "rv_frame" in h and 0.3 < z / q["L"] < 0.8:
        p2, s2, hd, hw = h["rv_frame"]
        band = _soft(np.abs(s2 - mpos * hw) - mwid, w) * rvm
        interior = paint(interior, band, S["myo"])
    interior = paint(interior, _soft(h["d_epi"], w), S["myo"])
    lvm = _soft(h["d_endo"], w)
    interior = paint(interior, lvm, S["blood"])
    # trabeculation: radial strands in an endocardial band; papillary muscles: ellipses on the wall
    if h["f_endo"] > 0:
        depth, n_str, duty, ph = q["trab"]
        depth = depth * (0.6 + 0.8 * min(z / q["L"], 1.0))
        strands = (np.cos(n_str * h["th"] + ph + 3 * np.sin(3 * h["th"])) > 1 - 2 * duty).astype(float)
        band = _soft(-(h["d_endo"] + depth), w) * lvm * strands
        interior = paint(interior, band * 0.8, S["myo"])
        z0, z1 = q["pap_z"]
        if z0 < z / q["L"] < z1:
            for ang, rad, elong in q["pap"]:
                r_endo_here = float(np.median(h["r_endo"]))
                pos = max(r_endo_here - rad * 0.9, 0.0)
                px, py = pos * math.cos(ang), pos * math.sin(ang)
                ca, sa = math.cos(ang), math.sin(ang)
                a_ = (u - px) * ca + (v - py) * sa
                b_ = -(u - px) * sa + (v - py) * ca
                grow = 1 + 0.35 * h["g"]
                pm = _soft(np.hypot(a_ / (rad * elong * grow), b_ / (rad * grow)) * rad - rad, w) * lvm
                interior = paint(interior, pm, S["myo"] * 1.05)
        if q["flow_void"] and z < 25:
            ang = q["psi"] + math.pi * 0.6
            a_ = u * math.cos(ang) + v * math.sin(ang)
            b_ = -u * math.sin(ang) + v * math.cos(ang)
            jet = _soft(np.hypot(a_ / 14, b_ / 4) * 4 - 4, 1.0) * lvm
            interior = interior * (1 - 0.5 * jet * math.sin(math.pi * h["g"]) ** 2)
    texture = 1 + 0.06 * rng_tex[1]
    return img * (1 - thorax) + interior * thorax * texture


def _smooth_noise(rng, shape, sigma_px):
    from scipy import ndimage

    f = ndimage.gaussian_filter(rng.standard_normal(shape), sigma_px, mode="wrap")
    return f / (f.std() + 1e-9)


def render_slice(c: CaseB, k: int, t: int, over: int = 2):
    """(image float32 [ny, nx], label uint8 [ny, nx]) of slice k, frame t."""
    q = c.q
    pa = q["phase_axis"]
    n_phase = c.ny if pa == 0 else c.nx
    extra = int(round(q["wrap"] * n_phase * over))
    u, v = _patient_coords(c, over, extra_rows=extra if pa == 0 else 0, extra_cols=extra if pa == 1 else 0)
    rng = np.random.default_rng([c.seed, 5, k])
    tex = (None, _smooth_noise(rng, u.shape, 1.5 * over / c.spacing))
    w = 0.25 * c.spacing / over
    z = q["z_first"] + k * c.dz
    offs = np.array([-1.0, -0.5, 0.0, 0.5, 1.0]) * c.thickness * 0.6
    wts = np.exp(-0.5 * (offs / (c.thickness / 2.355)) ** 2)                     # Gaussian profile, FWHM = thickness
    img = sum(wt * _anatomy(c, u, v, z + o, t, w, tex) for o, wt in zip(offs, wts)) / wts.sum()
    if q["band"] is not None:                                                   # off-resonance banding
        amp, ang, dep, quad = q["band"]
        span = max(np.ptp(u), 1.0)
        f = amp * ((u * math.cos(ang) + v * math.sin(ang)) / span + quad * ((u / span) ** 2 + (v / span) ** 2) * 2)
        phase = np.mod(2 * np.pi * f, 2 * np.pi)
        img = img * (1 - dep * np.exp(-0.5 * ((phase - np.pi) / 0.25) ** 2))
    if extra:                                                                   # fold the margins back (wrap-around)
        if pa == 0:
            core = img[extra:-extra].copy()
            core[-extra:] += img[:extra]
            core[:extra] += img[-extra:]
        else:
            core = img[:, extra:-extra].copy()
            core[:, -extra:] += img[:, :extra]
            core[:, :extra] += img[:, -extra:]
        img = core
    # k-space: crop the oversampled spectrum to the target matrix (sinc PSF, Gibbs), keep the acquired fraction,
    # periodic (respiratory) modulation of the phase-encode lines
    fr, fp = q["acq_frac"]
    frac_rows, frac_cols = (fp, fr) if pa == 0 else (fr, fp)
    mr = np.abs(np.arange(c.ny) - c.ny // 2) <= frac_rows * c.ny / 2
    mc = np.abs(np.arange(c.nx) - c.nx // 2) <= frac_cols * c.nx / 2
    K = np.fft.fftshift(np.fft.fft2(img))
    r0, c0 = (K.shape[0] - c.ny) // 2, (K.shape[1] - c.nx) // 2
    Kc = K[r0:r0 + c.ny, c0:c0 + c.nx] / (over * over) * (mr[:, None] & mc[None, :])
    if q["ghost"] is not None:
        a, period, ph = q["ghost"]
        lines = np.arange(c.ny if pa == 0 else c.nx)
        mod = 1 + a * np.cos(2 * np.pi * lines / period + ph)
        Kc = Kc * (mod[:, None] if pa == 0 else mod[None, :])
    im = np.fft.ifft2(np.fft.ifftshift(Kc))
    # receive coils around the body (smooth complex sensitivities), complex noise per coil, root sum of squares
    u, v = _patient_coords(c, 1)
    n_coil, cw, ca0 = q["coils"]
    bxc, byc, W, D, _ = q["body"]
    rng_n = np.random.default_rng([c.seed, 6, k, t])
    rss = np.zeros((c.ny, c.nx))
    for ci in range(n_coil):
        ang = ca0 + 2 * math.pi * ci / n_coil
        px, py = bxc + 1.1 * W * math.cos(ang), byc + 1.1 * D * math.sin(ang)
        sens = np.exp(-((u - px) ** 2 + (v - py) ** 2) / (2 * cw ** 2) + 1j * 0.004 * (u * math.cos(ang) + v * math.sin(ang)))
        sigma = q["noise"] * 0.5
        ci_im = im * sens + sigma * (rng_n.standard_normal(im.shape) + 1j * rng_n.standard_normal(im.shape))
        rss += np.abs(ci_im) ** 2
    out = np.sqrt(rss).astype(np.float32)
    return out * q["scale"] / max(float(np.percentile(out, 99.5)), 1e-9), label_slice(c, k, t)


def render_volume(c: CaseB):
    img = np.zeros((c.n_slices, c.n_frames, c.ny, c.nx), np.float32)
    lab = np.zeros((c.n_slices, c.n_frames, c.ny, c.nx), np.uint8)
    for k in range(c.n_slices):
        for t in range(c.n_frames):
            img[k, t], lab[k, t] = render_slice(c, k, t)
    return img, lab


def label_volume(c: CaseB) -> np.ndarray:
    return np.stack([np.stack([label_slice(c, k, t) for t in range(c.n_frames)]) for k in range(c.n_slices)])


def truth(c: CaseB, labels_zt: np.ndarray) -> dict:
    """Volumes, EF and LV mass counted from the label voxels (ED = frame 0, ES = frame of minimal LV volume)."""
    vox = c.spacing * c.spacing * c.dz / 1000.0
    lv = (labels_zt == LV).sum(axis=(0, 2, 3)) * vox
    rv = (labels_zt == RV).sum(axis=(0, 2, 3)) * vox
    es = int(np.argmin(lv))
    edv, esv = float(lv[0]), float(lv[es])
    return {
        "edFrame": 0, "esFrame": es, "edvMl": round(edv, 3), "esvMl": round(esv, 3),
        "ef": round((edv - esv) / edv, 4) if edv > 0 else 0.0,
        "lvMassG": round(float((labels_zt[:, 0] == MYO).sum()) * vox * 1.05, 3),
        "rvEdvMl": round(float(rv[0]), 3), "rvEsvMl": round(float(rv[es]), 3),
        "spacingMm": [c.spacing, c.spacing, c.dz], "lvVolumesMl": [round(float(x), 3) for x in lv],
    }


def save_case(c: CaseB, out_dir: Path, stem: str, intensity_max: float | None = None) -> dict:
    """<stem>_image.nii.gz (int16), <stem>_label.nii.gz (uint8), <stem>.json, in the layout of phantom_io."""
    import nibabel as nib

    from .phantom_io import nifti_image, to_nifti_array

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    img, lab = render_volume(c)
    if intensity_max:
        img = img * (intensity_max / max(float(img.max()), 1e-6))
    img = np.clip(np.round(img), 0, 32767).astype(np.int16)
    spacing = (c.spacing, c.spacing, c.dz)
    frame_ms = round(c.q["cycle_ms"] / c.n_frames, 2)
    tr = truth(c, lab)
    tr.update({"seed": c.seed, "shape": [c.nx, c.ny, c.n_slices, c.n_frames], "frameMs": frame_ms,
               "labels": {"0": "background", "1": "RV", "2": "MYO", "3": "LV"},
               "layout": "NIfTI (X=column, Y=row, Z=slice base->apex, T=frame); ED = frame 0, ES = min LV volume",
               "generator": GENERATOR, "kind": c.q["kind"]})
    nib.save(nifti_image(to_nifti_array(img), spacing, frame_ms), out_dir / f"{stem}_image.nii.gz")
    nib.save(nifti_image(to_nifti_array(lab), spacing, frame_ms), out_dir / f"{stem}_label.nii.gz")
    (out_dir / f"{stem}.json").write_text(json.dumps(tr, indent=1) + "\n")
    return tr
