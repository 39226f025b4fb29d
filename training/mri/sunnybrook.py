"""Sunnybrook cardiac MRI slices (real scans, LV endocardium masks) from ../shared/data/sunnybrook.

Never copied into the repository; everything that uses it skips when the folder is absent.
Patients are numbered 1..10 in sorted name order; 1-7 may be used for (partial-label) fine-tuning, 8-10 are
held out. The PNGs carry no spacing: we assume 1.37 mm/px (Sunnybrook's 256x256 matrices are 1.29-1.41 mm).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

ASSUMED_SPACING_MM = 1.37
DEFAULT_ROOT = Path(os.environ.get("SUNNYBROOK_DIR", Path(__file__).resolve().parents[3] / "shared/data/sunnybrook"))
TUNE_PATIENTS = range(1, 8)
HELDOUT_PATIENTS = range(8, 11)


def available(root: Path = DEFAULT_ROOT) -> bool:
    return (Path(root) / "images").is_dir() and (Path(root) / "labels_lv_endo").is_dir()


def patient_of(name: str) -> str:
    return re.sub(r"-IM-.*$", "", name)


def load(root: Path = DEFAULT_ROOT):
    """List of dicts {patient, index (1-based, sorted), name, image float32 [256,256], mask bool}."""
    from PIL import Image

    root = Path(root)
    files = sorted((root / "images").glob("*.png"))
    patients = sorted({patient_of(f.name) for f in files})
    out = []
    for f in files:
        img = np.asarray(Image.open(f).convert("L"), np.float32)
        mask = np.asarray(Image.open(root / "labels_lv_endo" / f.name).convert("L")) > 127
        p = patient_of(f.name)
        out.append({"patient": p, "index": patients.index(p) + 1, "name": f.name, "image": img, "mask": mask})
    return out
