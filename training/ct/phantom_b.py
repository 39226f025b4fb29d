"""Phantom generator B: an independent synthetic chest CT, the CT classifier's distribution-shift test set.

Written separately from the training generator (phantom.py) and NEVER used for training; only the output contract
(`CTCase`, `CLASSES`) and the model-input contract (preprocess.py) are shared. What differs:
- anatomy: the body a superellipse (random squareness 2.0-3.4) that narrows toward the apex; the lungs an implicit
  surface: the smooth maximum of signed distance fields (thoracic cavity superellipse with a domed apex, minus a
  mediastinum = smooth union of a midline strip, a superellipsoidal heart, the spine and the descending aorta,
  minus two diaphragm domes with posterior recesses), perturbed by random 3D sinusoids; the SDF doubles as the
  distance to the pleura. Ribs are bands in the chest wall at angle-dependent heights (lower anteriorly, cartilage
  gap at the front); vertebrae are rounded squares with periodic discs; aorta, trachea, main bronchi are sphere
  sweeps along 3D centre lines; pulmonary vessels and bronchi are random-walk branching trees grown inside the
  lung SDF; optional IV contrast, patient table, liver / stomach (with an air bubble) below the domes;
- findings (lesion mask): COVID-19 = weighted-sampled peripheral / posterior / basal Gaussian patch fields with
  low-frequency noise, GGO (-650..-420), crazy paving as zero-crossing networks of a second noise field,
  consolidation cores in later stages, sometimes a reversed halo shell; other viral = peribronchovascular cuffs
  around the central trees (deep, not subpleural) plus diffuse patches, thickened bronchial walls, centrilobular
  nodules and tree-in-bud clusters at the tree tips; bacterial = lobar (fissure planes) or segmental (lobe and a
  half-space) consolidation (+5..+45) with a GGO rim and air bronchograms, 80 % unilateral, effusion in ~35 %
  (effusion and normal variants are not in the mask); normal variants in all classes: dependent subpleural
  atelectasis, calcified granulomas;
- acquisition: sub-plane rendering averaged over the slice thickness (1-8 mm, box profile), Gaussian PSF with
  optional edge-enhancing kernel, beam-hardening cupping, ring artefacts, streaks from dense points, and
  FBP-like noise: white noise shaped by a ramp x Gaussian spectrum, its standard deviation per pixel set from the
  attenuation line integrals along the row and the column through the pixel (photon-starved lateral paths are
  noisier); HU offset, integer HU, clip [-1024, 3071].

Grid: 128 x 128 px, FOV 300-450 mm, slice 0 most superior, rows anterior -> posterior, cols patient right -> left;
spacing (slice, row, col) mm; origin = LPS mm (x, y, z) of voxel (0, 0, 0). Seeds: anything (deterministic by
(seed, label)); the cache uses 900 000 + 10 000 * label + j.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import scipy.fft
import torch
import torch.nn.functional as TF
from scipy import ndimage

from ct.phantom import CLASSES, CTCase
from ct.preprocess import mask_to_input, sample_slice_indices, to_model_input

GENERATOR = "training/ct/phantom_b.py"
SIZE = 128
THICKNESSES = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 5.0, 6.0, 8.0)


# ----------------------------------------------------------------------------------------------------------------
# implicit-surface helpers (in-plane arrays are [rows, cols] = [v, u] mm)

def _se_sdf(U, V, a, b, n):
    """Approximate signed distance to a superellipse |u/a|^n + |v/b|^n = 1 (radial: exact along rays from 0)."""
    rho = (np.abs(U / a) ** n + np.abs(V / b) ** n) ** (1.0 / n)
    r = np.hypot(U, V)
    return r - r / np.maximum(rho, 1e-6)


def _smax(a, b, k):
    h = np.clip(0.5 - 0.5 * (b - a) / k, 0, 1)
    return b * (1 - h) + a * h + k * h * (1 - h)


def _smin(a, b, k):
    return -_smax(-a, -b, k)


def _lowfreq(rng, shape, cells):
    """Smooth noise, std ~1: Gaussian noise on a coarse grid (`cells` per axis) upsampled trilinearly."""
    coarse = rng.normal(0, 1, tuple(max(2, int(c)) + 2 for c in cells)).astype(np.float32)
    f = TF.interpolate(torch.from_numpy(coarse)[None, None], size=tuple(shape), mode="trilinear",
                      align_corners=True)[0, 0].numpy()
    return (f - f.mean()) / (f.std() + 1e-6)


# ----------------------------------------------------------------------------------------------------------------
# case parameters

def _params(rng, label, severity):
    fov = float(rng.uniform(300, 450))
    p = fov / SIZE
    half = fov / 2
    a = min(rng.uniform(135, 175), 0.9 * half)
    b = min(rng.uniform(0.6, 0.75) * a, 0.8 * half)
    L = float(rng.uniform(200, 265))                      # apex -> costophrenic base (mm)
    P = dict(
        fov=fov, p=p, thickness=float(rng.choice(THICKNESSES)), a=a, b=b, n=float(rng.uniform(2.0, 3.4)),
        vshift=float(rng.uniform(-12, 8)), ushift=float(rng.uniform(-10, 10)), L=L,
        top=float(rng.uniform(8, 25)), bottom=float(rng.uniform(10, 35)),
        fat=float(rng.uniform(5, 22)), fat_mod=rng.uniform(-0.3, 0.3, 3), muscle=float(rng.uniform(8, 15)),
        rib=float(rng.uniform(7, 11)), apex=float(rng.uniform(35, 55)),
        heart=dict(u=float(rng.uniform(18, 35)), v=float(rng.uniform(-35, -15)), z=float(rng.uniform(0.72, 0.82) * L),
                   a=float(rng.uniform(52, 66)), b=float(rng.uniform(40, 50)), c=float(rng.uniform(45, 58)),
                   phi=float(rng.uniform(0.4, 0.8)), n=float(rng.uniform(2.1, 2.7))),
        strip=float(rng.uniform(12, 20)), dome_r=float(rng.uniform(45, 70)), dome_l=float(rng.uniform(35, 60)),
        recess=float(rng.uniform(20, 40)), spine_r=float(rng.uniform(17, 22)), vert=float(rng.uniform(24, 30)),
        waves=[(rng.normal(0, 1, 3) / rng.uniform(25, 60), rng.uniform(0, 2 * np.pi), rng.uniform(1, 3.5))
               for _ in range(4)],
        contrast=bool(rng.random() < 0.35), table=bool(rng.random() < 0.7),
        lung_hu=float(rng.uniform(-885, -830)), gradient=float(rng.uniform(15, 70)),
        fat_hu=float(rng.uniform(-115, -85)), muscle_hu=float(rng.uniform(35, 55)),
        noise=float(rng.uniform(8, 38)), kernel=str(rng.choice(["soft", "standard", "lung"])),
        offset=float(rng.normal(0, 6)), cupping=float(rng.uniform(0, 20)),
        rings=bool(rng.random() < 0.25), streaks=bool(rng.random() < 0.3), z0=float(rng.uniform(-250, -50)))
    P["severity"] = 0.0 if label == 0 else float(severity if severity is not None else rng.uniform(0.25, 1.0))
    return P


# ----------------------------------------------------------------------------------------------------------------
# anatomy, one sub-plane at a time

def _lung_sdf(P, U, V, z):
    """Signed distance (mm, < 0 inside) to the lungs at depth z (mm below the apex), and the parts used elsewhere."""
    L, h = P["L"], P["heart"]
    taper = 0.86 + 0.14 * np.clip(z / (0.45 * L), 0, 1)
    wall = P["fat"] + P["muscle"] + P["rib"] + 3
    s = math.sqrt(max(0.0, min(1.0, z / P["apex"] * (2 - z / P["apex"])))) if z < P["apex"] else 1.0
    ac, bc = max((P["a"] * taper - wall) * s, 1.0), max((P["b"] - wall) * (0.5 + 0.5 * s), 1.0)
    d_cav = _se_sdf(U, V - P["vshift"], ac, bc, P["n"] * 0.9)
    # mediastinum: midline strip (wider anteriorly around the great vessels), heart, spine, descending aorta
    bulge = 14.0 * np.exp(-((z - 0.3 * L) / (0.12 * L)) ** 2) * (V < P["vshift"])
    d_med = np.abs(U) - (P["strip"] + bulge)
    if abs(z - h["z"]) < h["c"]:
        sh = (1 - abs((z - h["z"]) / h["c"]) ** 2.4) ** (1 / 2.4)
        c, sn = math.cos(h["phi"]), math.sin(h["phi"])
        du, dv = U - h["u"], V - h["v"]
        d_med = _smin(d_med, _se_sdf(c * du + sn * dv, -sn * du + c * dv, h["a"] * sh + 1e-3, h["b"] * sh + 1e-3,
                                      h["n"]), 8.0)
    vs = P["vshift"] + bc * 0.82
    d_med = _smin(d_med, np.hypot(U, V - vs) - P["spine_r"] - 8, 6.0)
    if z > 0.3 * L:
        d_med = np.minimum(d_med, np.hypot(U - 22, V - (vs - 22)) - 14)
    # diaphragm domes: right higher; lungs reach lower posteriorly (recesses) and laterally
    post = np.clip((V - P["vshift"]) / bc, 0, 1) ** 2
    dome_r = L - 12 - P["dome_r"] * np.exp(-((U + 0.45 * ac) / (0.5 * ac)) ** 2) + P["recess"] * post
    dome_l = L - P["dome_l"] * np.exp(-((U - 0.45 * ac) / (0.5 * ac)) ** 2) + P["recess"] * post
    d_dia = z - np.where(U < 0, dome_r, dome_l)
    pert = sum(amp * np.sin(k[0] * U + k[1] * V + k[2] * z + ph) for k, ph, amp in P["waves"])
    sdf = _smax(_smax(d_cav, -d_med, 5.0), d_dia, 6.0) + pert
    return sdf, d_dia, dict(ac=ac, bc=bc, vs=vs, taper=taper)


def _plane(P, U, V, z, theta):
    """Clean HU of one axial sub-plane without tubes / trees, lung mask, pleural depth."""
    L = P["L"]
    sdf, d_dia, g = _lung_sdf(P, U, V, z)
    lung = sdf < 0
    a_b = P["a"] * g["taper"]
    d_body = _se_sdf(U, V - P["vshift"], a_b, P["b"], P["n"])
    depth = -d_body
    fat_t = P["fat"] * (1 + P["fat_mod"][0] * np.cos(theta) + P["fat_mod"][1] * np.sin(2 * theta)
                        + P["fat_mod"][2] * np.cos(3 * theta))
    hu = np.full(U.shape, -1000.0, np.float32)
    body = depth > 0
    hu[body] = P["fat_hu"]
    mus = body & (depth > fat_t) & (depth < fat_t + P["muscle"])
    hu[mus] = P["muscle_hu"]
    # ribs: band in the wall, at angle-dependent height, 12 of them spaced ~ 22 mm, absent at the front
    rib_in = fat_t + P["muscle"] * 0.6
    band = body & (depth > rib_in) & (depth < rib_in + P["rib"])
    ang_post = np.abs(np.angle(np.exp(1j * (theta - np.pi / 2))))       # 0 at posterior midline, pi at anterior
    zr = z - 0.55 * L * (1 - np.cos(ang_post)) / 2 * 0.9                 # ribs descend anteriorly
    phase = np.mod(zr + 8, 22.0)
    rib = band & (phase < P["rib"] * 0.9) & (ang_post > 0.25) & (zr > -5) & (zr < 12 * 22)
    front = ang_post > 2.55
    core = np.abs(phase - P["rib"] * 0.45) / (P["rib"] * 0.45)
    hu = np.where(rib & ~front, 250 + 450 * np.clip(core, 0, 1) ** 2, hu)   # marrow -> cortex
    hu = np.where(rib & front, 110.0, hu)                                # costal cartilage
    cavity = body & (depth > P["fat"] + P["muscle"] + P["rib"] + 1) & ~mus
    hu = np.where(cavity & ~rib, P["fat_hu"] + 10, hu)                     # mediastinal / extrapleural fat
    # spine: rounded-square vertebral body with discs, canal, spinous process; paraspinal muscles
    vs = g["vs"]
    r = P["spine_r"]
    disc = np.mod(z, P["vert"]) < 5
    vb = _se_sdf(U, V - vs, r, r * 0.9, 4.0)
    para = body & (np.abs(U) < 2.4 * r) & (V > vs - 0.3 * r) & ~lung
    hu = np.where(para & (depth > fat_t), P["muscle_hu"], hu)
    hu = np.where(vb < 0, (80.0 if disc else np.where(vb > -2.5, 650.0, 230.0)), hu)
    canal = np.hypot(U, V - vs - 1.55 * r) < 0.55 * r
    proc = (np.abs(U) < 4) & (V > vs + 2.1 * r) & (V < vs + 3.3 * r) & (depth > fat_t)
    hu = np.where(proc, 500.0, hu)
    hu = np.where(canal, 15.0, hu)
    # sternum: anterior midline plate, upper two thirds
    if 0.1 * L < z < 0.75 * L:
        st = _se_sdf(U, V - (P["vshift"] - P["b"] + fat_t + 9), 14, 6, 2.5) < 0
        hu = np.where(st & body, 420.0, hu)
    # heart: myocardium shell, blood pool, epicardial fat
    h = P["heart"]
    if abs(z - h["z"]) < h["c"]:
        sh = (1 - abs((z - h["z"]) / h["c"]) ** 2.4) ** (1 / 2.4)
        c, sn = math.cos(h["phi"]), math.sin(h["phi"])
        du, dv = U - h["u"], V - h["v"]
        dh = _se_sdf(c * du + sn * dv, -sn * du + c * dv, h["a"] * sh + 1e-3, h["b"] * sh + 1e-3, h["n"])
        blood = 180.0 + 60 * math.sin(h["phi"] * 7) if P["contrast"] else 42.0
        hu = np.where(dh < 4, P["fat_hu"] + 15, hu)
        hu = np.where(dh < 0, np.where(dh > -9, 55.0 if not P["contrast"] else 110.0, blood), hu)
    # below the domes: liver (right), stomach (left, air bubble on top), spleen posterior left
    below = (d_dia > 0) & cavity & (vb >= 0) & ~para
    liver = below & (U < 25)
    hu = np.where(liver, 95.0 if P["contrast"] else 58.0, hu)
    left = below & ~liver
    hu = np.where(left, 35.0, hu)
    bubble = left & (d_dia < 14) & (np.hypot(U - 0.5 * g["ac"], V - P["vshift"] + 10) < 30)
    hu = np.where(bubble, -1000.0, hu)
    hu = np.where(left & (V > P["vshift"] + 0.35 * P["b"]), 50.0, hu)
    # lungs: density gradient toward the dependent (posterior) side
    vn = np.clip((V - P["vshift"] + g["bc"]) / (2 * g["bc"]), 0, 1)
    hu = np.where(lung, P["lung_hu"] + P["gradient"] * vn ** 2, hu)
    return hu.astype(np.float32), lung, (-sdf).astype(np.float32)


# ----------------------------------------------------------------------------------------------------------------
# tubes and random-walk trees (points (u, v, z, r) in mm), rasterised as sphere sweeps

class _Grid:
    def __init__(self, P, zs):
        self.p = P["p"]
        self.u = (np.arange(SIZE) - (SIZE - 1) / 2) * self.p + P["ushift"]
        self.v = (np.arange(SIZE) - (SIZE - 1) / 2) * self.p + P["vshift"] * 0.3
        self.z = zs
        self.dz = float(zs[1] - zs[0]) if len(zs) > 1 else 1.0

    def idx(self, u, v, z):
        return (int(round((z - self.z[0]) / self.dz)), int(round((v - self.v[0]) / self.p)),
                int(round((u - self.u[0]) / self.p)))


def _sweep(grid, shape, pts, grow=0.0):
    """Occupancy in [0, 1] (soft edges, sub-pixel tubes faint) of the union of spheres (u, v, z, r + grow)."""
    occ = np.zeros(shape, np.float32)
    p = grid.p
    for u, v, z, r in pts:
        r = r + grow
        k0, i0, j0 = grid.idx(u - r - p, v - r - p, z - r - grid.dz)
        k1, i1, j1 = grid.idx(u + r + p, v + r + p, z + r + grid.dz)
        k0, i0, j0 = max(k0, 0), max(i0, 0), max(j0, 0)
        k1, i1, j1 = min(k1 + 1, shape[0]), min(i1 + 1, shape[1]), min(j1 + 1, shape[2])
        if k0 >= k1 or i0 >= i1 or j0 >= j1:
            continue
        d = np.sqrt((grid.z[k0:k1, None, None] - z) ** 2 + (grid.v[None, i0:i1, None] - v) ** 2
                    + (grid.u[None, None, j0:j1] - u) ** 2)
        val = np.clip(0.5 - (d - r) / p, 0, 1) * min(1.0, 2 * r / p)
        np.maximum(occ[k0:k1, i0:i1, j0:j1], val, out=occ[k0:k1, i0:i1, j0:j1])
    return occ


def _polyline(nodes, r, step=2.0):
    out = []
    for (a, b) in zip(nodes[:-1], nodes[1:]):
        a, b = np.asarray(a, float), np.asarray(b, float)
        n = max(2, int(np.linalg.norm(b - a) / step))
        for t in np.linspace(0, 1, n, endpoint=False):
            q = a + t * (b - a)
            out.append((q[0], q[1], q[2], r))
    return out


def _grow(rng, grid, depth, start, direction, r0, rmin, centre, max_pts, steps=(3, 7)):
    """A branching random walk inside the lungs (depth > 0 = inside), biased away from `centre`."""
    pts, stack = [], [(np.asarray(start, float), np.asarray(direction, float), r0)]
    shape = depth.shape
    while stack and len(pts) < max_pts:
        q, d, r = stack.pop()
        ok = True
        for _ in range(int(rng.integers(*steps))):
            out = q - centre
            d = d / np.linalg.norm(d) + 0.3 * rng.normal(0, 1, 3) + 0.25 * out / (np.linalg.norm(out) + 1e-6)
            d /= np.linalg.norm(d)
            q = q + d * max(2.5, 2.2 * r)
            k, i, j = grid.idx(*q)
            if not (0 <= k < shape[0] and 0 <= i < shape[1] and 0 <= j < shape[2]) or depth[k, i, j] < 0.3 * r:
                ok = False
                break
            pts.append((q[0], q[1], q[2], r))
        if ok and r * 0.78 >= rmin:
            perp = np.cross(d, rng.normal(0, 1, 3))
            perp /= np.linalg.norm(perp) + 1e-9
            ang = rng.uniform(0.35, 0.7)
            for sgn in (1, -1):
                stack.append((q, d * math.cos(ang) + sgn * perp * math.sin(ang), r * rng.uniform(0.7, 0.85)))
    return pts


# ----------------------------------------------------------------------------------------------------------------
# the case

def _render(seed: int, label: int, severity: float | None = None):
    if label not in range(4):
        raise ValueError(f"label must be 0..3, got {label}")
    rng = np.random.default_rng([int(seed), int(label), 0xB0B])
    P = _params(rng, label, severity)
    sev, L, p = P["severity"], P["L"], P["p"]
    thick = P["thickness"]
    nsub = max(1, math.ceil(thick / 2.0))
    n_slices = int(math.ceil((L + P["top"] + P["bottom"]) / thick))
    zs = -P["top"] + (np.arange(n_slices * nsub) + 0.5) * thick / nsub
    grid = _Grid(P, zs)
    U, V = np.meshgrid(grid.u, grid.v)
    theta = np.arctan2(V - P["vshift"], U)
    shape = (len(zs), SIZE, SIZE)
    hu = np.empty(shape, np.float32)
    lung = np.empty(shape, bool)
    depth = np.empty(shape, np.float32)
    for k, z in enumerate(zs):
        hu[k], lung[k], depth[k] = _plane(P, U, V, float(z), theta)
    Z = zs[:, None, None]
    Vb = V[None]
    side = np.broadcast_to(U[None] > 0, shape)             # True = left lung
    findings = {}

    # great vessels and airways (sphere sweeps); carve them out of the lungs
    vs = P["vshift"] + (P["b"] - P["fat"] - P["muscle"] - P["rib"] - 3) * 0.82
    top = -P["top"] - 5
    carina = (0.0, vs - 45, 0.32 * L)
    aorta = _polyline([(-8, P["heart"]["v"] - 5, 0.62 * L), (-5, vs - 60, 0.22 * L), (10, vs - 45, 0.15 * L),
                       (22, vs - 25, 0.22 * L), (22, vs - 22, L + P["bottom"] + 5)], float(rng.uniform(11, 15)))
    svc = _polyline([(-25, vs - 62, top), (-22, vs - 58, 0.6 * L)], float(rng.uniform(7, 10)))
    trachea = _polyline([(0, vs - 40, top), carina], float(rng.uniform(8, 10)))
    hil_r, hil_l = np.array([-38.0, vs - 40, 0.42 * L]), np.array([38.0, vs - 38, 0.45 * L])
    bronchi = _polyline([carina, tuple(hil_r)], 6.0) + _polyline([carina, tuple(hil_l)], 5.5)
    occ_ao = _sweep(grid, shape, aorta + svc)
    blood = 200.0 if P["contrast"] else 42.0
    hu = hu * (1 - occ_ao) + blood * occ_ao
    lung &= occ_ao < 0.5
    wall_air = _sweep(grid, shape, trachea + bronchi, grow=2.0)
    lumen = _sweep(grid, shape, trachea + bronchi)
    hu = hu * (1 - wall_air) + 30.0 * wall_air
    hu = hu * (1 - lumen) - 1000.0 * lumen
    lung &= wall_air < 0.5
    depth = np.where(lung, depth, -1.0)

    # pulmonary vessel trees and bronchial trees, grown from the hila
    vessels, airways = [], []
    for hil, sgn in ((hil_r, -1), (hil_l, 1)):
        for d in ((sgn, 0.0, -0.8), (sgn, 0.2, 0.1), (sgn * 0.6, 0.5, 0.9), (sgn * 0.5, -0.6, 0.5), (sgn, 0.7, 1.0)):
            vessels += _grow(rng, grid, depth, hil, d, float(rng.uniform(4.5, 6.5)), 0.9, hil, 260)
        for d in ((sgn, 0.1, -0.7), (sgn, 0.3, 0.8), (sgn * 0.6, -0.5, 0.4)):
            airways += _grow(rng, grid, depth, hil, d, float(rng.uniform(3.5, 4.5)), 1.0, hil, 120)
    wall_k = 0.25 if label != 2 else 0.25 + 0.5 * sev
    air_wall = _sweep(grid, shape, [(u, v, z, r * (1.25 + wall_k) + 0.4) for u, v, z, r in airways])
    air_lumen = _sweep(grid, shape, airways)
    occ_v = _sweep(grid, shape, vessels)
    vessel_hu = 180.0 if P["contrast"] else 38.0

    # findings
    lesion = np.zeros(shape, np.float32)                   # blend weight of the class findings
    target = np.zeros(shape, np.float32)                   # HU of the findings
    tex = _lowfreq(rng, shape, (shape[0] * grid.dz / 10, P["fov"] / 10, P["fov"] / 10))
    lidx = np.flatnonzero(lung)

    def pick(weights, n):
        w = weights.ravel()[lidx].astype(np.float64) + 1e-9
        sel = rng.choice(lidx, size=n, p=w / w.sum())
        return [np.unravel_index(s, shape) for s in sel]

    def blob(k, i, j, su, sv, sz):
        ez = np.exp(-0.5 * ((zs - zs[k]) / sz) ** 2)[:, None, None]
        ev = np.exp(-0.5 * ((grid.v - grid.v[i]) / sv) ** 2)[None, :, None]
        eu = np.exp(-0.5 * ((grid.u - grid.u[j]) / su) ** 2)[None, None, :]
        return ez * ev * eu

    vn = np.clip((Vb - P["vshift"]) / P["b"] + 0.5, 0, 1)   # 0 anterior .. 1 posterior
    zn = np.clip(Z / L, 0, 1)
    if label == 1:                                         # COVID-19
        F = np.zeros(shape, np.float32)
        n = 3 + int(round(9 * sev))
        w = np.exp(-np.clip(depth, 0, None) / 12) * (1 + 2 * vn) * (1 + 2 * zn)
        cents = pick(np.where(side, w, 0), n // 2) + pick(np.where(~side, w, 0), n - n // 2)
        size = 0.6 + 0.7 * sev
        for k, i, j in cents:
            F += rng.uniform(0.8, 1.3) * blob(k, i, j, *(rng.uniform(10, 24, 3) * size))
        F *= 1 / (1 + np.exp((np.clip(depth, 0, None) - 35) / 6))   # peripheral
        F *= 1 + 0.35 * tex
        ggo_hu = float(rng.uniform(-650, -420))
        s = np.clip((F - 0.3) / 0.15, 0, 1)
        lesion = s
        target = ggo_hu + 50 * tex
        paving = sev > 0.3 and rng.random() < 0.6
        if paving:
            net = _lowfreq(rng, shape, (shape[0] * grid.dz / 9, P["fov"] / 9, P["fov"] / 9))
            target = np.where(np.abs(net) < 0.12, target + rng.uniform(150, 250), target)
        cons = sev > 0.45
        if cons:
            c_hu = float(rng.uniform(-20, 45))
            wc = np.clip((F - (1.45 - 0.6 * sev)) / 0.15, 0, 1)
            target = target * (1 - wc) + c_hu * wc
        halo = rng.random() < 0.2
        if halo:
            k, i, j = pick(w, 1)[0]
            R = rng.uniform(10, 18)
            dist = np.sqrt(((zs - zs[k])[:, None, None]) ** 2 + ((grid.v - grid.v[i])[None, :, None]) ** 2
                           + ((grid.u - grid.u[j])[None, None, :]) ** 2)
            ring = np.abs(dist - R) < 3.5
            inner = dist <= R - 3.5
            target = np.where(ring, 20.0, np.where(inner, -620.0, target))
            lesion = np.maximum(lesion, (ring | inner).astype(np.float32))
        findings = dict(kind="covid19", patches=n, ggoHu=round(ggo_hu), crazyPaving=paving, consolidation=cons,
                        reversedHalo=halo)
    elif label == 2:                                       # other viral
        central = [t for t in vessels + airways if t[3] >= 2.0]
        cuff = _sweep(grid, shape, central, grow=float(rng.uniform(5, 9) * (0.7 + 0.6 * sev)))
        deep = 1 / (1 + np.exp(-(np.clip(depth, 0, None) - 15) / 5))
        diffuse = np.clip((tex - (1.4 - 1.0 * sev)) / 0.3, 0, 1)
        lesion = np.clip(np.maximum(cuff * deep * (0.6 + 0.5 * sev), diffuse), 0, 1)
        ggo_hu = float(rng.uniform(-720, -480))
        target = np.full(shape, ggo_hu, np.float32) + 40 * tex
        tips = [t for t in vessels if t[3] < 1.6]
        nn = min(len(tips), 15 + int(60 * sev))
        nod = []
        for t in rng.choice(len(tips), size=nn, replace=False) if nn else []:
            u, v, z, _ = tips[t]
            nod.append((u, v, z, float(rng.uniform(2, 3.5))))
            if rng.random() < 0.4:                         # tree-in-bud: a short chain of buds
                dd = rng.normal(0, 1, 3)
                dd /= np.linalg.norm(dd)
                nod += [(u + dd[0] * 5 * m, v + dd[1] * 5 * m, z + dd[2] * 5 * m, 1.8) for m in (1, 2)]
        nodules = _sweep(grid, shape, nod)
        target = np.where(nodules > 0.3, float(rng.uniform(-200, 20)), target)
        lesion = np.maximum(lesion, nodules)
        findings = dict(kind="viral", ggoHu=round(ggo_hu), nodules=len(nod), wallThickening=round(wall_k, 2))
    elif label == 3:                                       # bacterial
        right = ~side
        lower = Z > L * (0.92 - 0.62 * vn)
        z_h = L * rng.uniform(0.48, 0.55)
        lobes = {"RUL": right & ~lower & ((Z < z_h) | (vn > 0.6)), "RML": right & ~lower & (Z >= z_h) & (vn <= 0.6),
                 "RLL": right & lower, "LUL": side & ~lower, "LLL": side & lower}
        names = list(lobes)
        first = str(rng.choice(names, p=[0.2, 0.1, 0.3, 0.12, 0.28]))
        chosen = [first]
        if rng.random() < 0.2:
            chosen.append(str(rng.choice([nm for nm in names if nm[0] != first[0]])))
        F = np.zeros(shape, np.float32)
        kinds = []
        for m, nm in enumerate(chosen):
            region = lobes[nm] & lung
            if region.sum() < 50:
                continue
            segmental = rng.random() < 0.4 or m > 0
            kinds.append(f"{nm}:{'segment' if segmental else 'lobe'}")
            if segmental:
                k, i, j = pick(region, 1)[0]
                nvec = rng.normal(0, 1, 3)
                half = ((Z - zs[k]) * nvec[2] + (Vb - grid.v[i]) * nvec[1] + (U[None] - grid.u[j]) * nvec[0])
                region = region & (half < rng.uniform(0, 25))
            fill = np.clip((tex + 2.2 * (0.35 + sev) - 0.6 * m) / 0.5, 0, 1)
            F = np.maximum(F, region * fill)
        if not kinds:                                      # tiny lobe: fall back to the lower lobe
            F = (lobes["RLL"] & lung).astype(np.float32)
            kinds = ["RLL:lobe"]
        F = ndimage.uniform_filter(F, size=(max(1, int(6 / grid.dz)), 3, 3))
        c_hu = float(rng.uniform(5, 45))
        lesion = np.clip((F - 0.25) / 0.25, 0, 1)
        target = np.where(F > 0.6, c_hu + 15 * tex, -450.0 + 60 * tex)   # consolidation, GGO rim
        # air bronchograms: extra bronchi grown through the consolidation
        core = np.argwhere(F > 0.8)
        bg = []
        if len(core):
            k, i, j = core[rng.integers(len(core))]
            c0 = np.array([grid.u[j], grid.v[i], zs[k]])
            dep = np.where(F > 0.5, 10.0, -1.0)
            for _ in range(3):
                bg += _grow(rng, grid, dep, c0, rng.normal(0, 1, 3), float(rng.uniform(2, 3)), 1.2, c0 - 5, 60,
                            steps=(2, 5))
        findings = dict(kind="bacterial", lobes=kinds, bilateral=len(kinds) > 1, consolidationHu=round(c_hu),
                        bronchograms=len(bg))
        air_lumen = np.maximum(air_lumen, _sweep(grid, shape, bg))
        if rng.random() < 0.35:                            # pleural effusion, dependent, on the first side
            eff_side = right if first[0] == "R" else side
            eff = lung & eff_side & (depth < 6 + 12 * sev) & (vn > 0.55) & (zn > 0.55)
            hu = np.where(eff, float(rng.uniform(5, 20)), hu)
            lung &= ~eff
            findings["effusion"] = True
    lesion = np.where(lung, lesion, 0).astype(np.float32)

    # normal variants (every class, not in the mask)
    variants = []
    lung_hu = hu.copy()
    if rng.random() < 0.4:
        atel = lung & (depth < rng.uniform(3, 8)) & (vn > 0.7) & (zn > 0.5)
        lung_hu = np.where(atel, float(rng.uniform(-400, -150)), lung_hu)
        variants.append("dependent atelectasis")
    gran = []
    for _ in range(int(rng.random() < 0.3) + int(rng.random() < 0.15)):
        k, i, j = pick(lung.astype(np.float32), 1)[0]
        gran.append((grid.u[j], grid.v[i], zs[k], float(rng.uniform(2, 4))))
    if gran:
        variants.append(f"{len(gran)} calcified granuloma(s)")

    # compose the lungs: parenchyma -> findings -> vessels -> bronchial walls / lumens -> granulomas
    h = np.where(lung, lung_hu * (1 - lesion) + target * lesion, hu)
    vw = occ_v * lung
    h = np.where(vw > 0, np.maximum(h, h * (1 - vw) + vessel_hu * vw), h)
    aw = np.clip(air_wall - air_lumen, 0, 1) * lung
    h = h * (1 - aw) + 25.0 * aw
    al = air_lumen * lung
    h = h * (1 - al) - 990.0 * al
    if gran:
        og = _sweep(grid, shape, gran)
        h = h * (1 - og) + 550.0 * og
    if P["table"]:
        tv = P["vshift"] + P["b"] + rng.uniform(8, 20)
        arc = (np.abs(V - (tv + 0.0006 * U ** 2)) < 3) & (np.abs(U) < 0.8 * P["a"])
        h = np.where(arc[None], 250.0, h)

    # slice profile: box average of the sub-planes
    hu_s = h.reshape(n_slices, nsub, SIZE, SIZE).mean(1)
    les_s = (lesion.reshape(n_slices, nsub, SIZE, SIZE).mean(1) >= 0.5)
    lung_s = lung.reshape(n_slices, nsub, SIZE, SIZE).mean(1) >= 0.5
    mask = (les_s & lung_s).astype(np.uint8) if label else np.zeros(hu_s.shape, np.uint8)
    out = _acquire(hu_s, P, rng, U, V)
    meta = {"generator": GENERATOR, "seed": int(seed), "label": int(label), "class": CLASSES[label],
            "severity": round(sev, 3), "slices": n_slices, "thicknessMm": thick, "pixelMm": round(p, 4),
            "fovMm": round(P["fov"], 1), "kernel": P["kernel"], "noiseHu": round(P["noise"], 1),
            "contrast": P["contrast"], "rings": P["rings"], "streaks": P["streaks"],
            "findings": findings, "variants": variants, "lesionVoxels": int(mask.sum())}
    origin = (float(grid.u[0]), float(grid.v[0]), float(P["z0"]))
    case = CTCase(hu=out, lesion=mask, label=int(label), spacing=(thick, p, p), origin=origin, meta=meta)
    return case, lung_s


def _acquire(hu, P, rng, U, V):
    """Scanner: PSF / kernel, cupping, rings, streaks, attenuation-dependent FBP-textured noise, offset, clip."""
    n, p = hu.shape[0], P["p"]
    sig = {"soft": 0.9, "standard": 0.7, "lung": 0.55}[P["kernel"]]
    img = ndimage.gaussian_filter(hu, (0, sig, sig))
    if P["kernel"] == "lung":                              # edge enhancement (overshoot)
        img = img + 0.6 * (img - ndimage.gaussian_filter(img, (0, 1.2, 1.2)))
    body = img > -500
    r = np.hypot(U - U.mean(), V - V.mean())
    R = r[body.any(0)].max() if body.any() else r.max()
    img = img - P["cupping"] * np.clip(1 - (r / R) ** 2, 0, 1) * body
    if P["rings"]:
        for rr in rng.uniform(10, 0.8 * R, int(rng.integers(2, 6))):
            img = img + rng.choice([-1, 1]) * rng.uniform(4, 15) * np.exp(-0.5 * ((r - rr) / (0.7 * p)) ** 2)
    if P["streaks"]:
        bright = np.argwhere(img[n // 2] > 300)
        for _ in range(int(rng.integers(1, 4))):
            if not len(bright):
                break
            i, j = bright[rng.integers(len(bright))]
            a = rng.uniform(0, np.pi)
            dperp = np.abs((U - U[i, j]) * math.sin(a) - (V - V[i, j]) * math.cos(a))
            dalong = np.abs((U - U[i, j]) * math.cos(a) + (V - V[i, j]) * math.sin(a))
            img = img + rng.choice([-1, 1]) * rng.uniform(20, 60) * np.exp(-0.5 * (dperp / (0.6 * p)) ** 2) \
                * np.exp(-dalong / 120)
    # noise: ramp x Gaussian spectrum, scaled by row / column attenuation line integrals
    white = rng.normal(0, 1, img.shape).astype(np.float32)
    f = np.hypot(*np.meshgrid(np.fft.rfftfreq(SIZE), np.fft.fftfreq(SIZE))).astype(np.float32)
    fc = {"soft": 0.18, "standard": 0.26, "lung": 0.38}[P["kernel"]]
    H = f ** rng.uniform(0.5, 1.0) * np.exp(-(f / fc) ** 2)
    tex = scipy.fft.irfft2(scipy.fft.rfft2(white) * H, s=(SIZE, SIZE))
    tex /= tex.std() + 1e-9
    mu = np.clip(hu + 1000, 0, None) / 1000 * 0.019 * p * 0.5
    var = 0.5 * (np.exp(mu.sum(2))[:, :, None] + np.exp(mu.sum(1))[:, None, :])
    med = np.median(var[body]) if body.any() else 1.0
    scale = np.clip(np.sqrt(var / med), 0.6, 2.5)
    img = img + P["noise"] * scale * tex + P["offset"]
    return np.clip(np.round(img), -1024, 3071).astype(np.float32)


def make_case_b(seed: int, label: int, severity: float | None = None) -> CTCase:
    """One phantom-B case in HU (see the module docstring); deterministic by (seed, label[, severity])."""
    return _render(seed, label, severity)[0]


# ----------------------------------------------------------------------------------------------------------------
# the test-set cache

def _cache_one(job):
    import torch
    torch.set_num_threads(1)
    seed, label, samplings = job
    ct = make_case_b(seed, label)
    depth = ct.hu.shape[0]
    xs, ms = [], []
    for k in range(samplings):
        idx = sample_slice_indices(depth, k, samplings)
        xs.append(to_model_input(ct.hu, idx).astype(np.float16))
        ms.append(mask_to_input(ct.lesion, idx))
    return np.stack(xs), np.stack(ms), label, ct.meta


def build_b_cache(out: Path, n_per_class: int = 8, samplings: int = 3, processes: int = 2,
                  seed0: int = 900_000) -> Path:
    """Writes out/B_indep.npz: x float16 [n, samplings, 16, 128, 128], mask uint8 (same), y int64 [n], meta json."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(seed0 + 10_000 * c + j, c, samplings) for c in range(4) for j in range(n_per_class)]
    if processes > 1:
        with get_context("fork").Pool(processes) as pool:
            res = pool.map(_cache_one, jobs, chunksize=1)
    else:
        res = [_cache_one(j) for j in jobs]
    path = out / "B_indep.npz"
    np.savez_compressed(path, x=np.stack([r[0] for r in res]).astype(np.float16),
                        mask=np.stack([r[1] for r in res]).astype(np.uint8),
                        y=np.array([r[2] for r in res], np.int64), meta=json.dumps([r[3] for r in res]))
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description="independent chest-CT phantom B test set (never for training)")
    ap.add_argument("--out", type=Path, default=Path("ct/cache_b"))
    ap.add_argument("--per-class", type=int, default=8)
    ap.add_argument("--samplings", type=int, default=3)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--seed0", type=int, default=900_000)
    a = ap.parse_args(argv)
    t = time.time()
    path = build_b_cache(a.out, a.per_class, a.samplings, a.processes, a.seed0)
    print(f"wrote {path} ({4 * a.per_class} cases, {time.time() - t:.1f} s)")


if __name__ == "__main__":
    main()
