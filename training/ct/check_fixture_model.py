"""Run a trained model on the e2e fixtures the way the studio does (CLI): DICOM series -> HU volume (sorted by
position), 3 samplings, mean softmax, COVID-19 CAM mapped back onto the slices, peak inside the lesion mask?

    /usr/bin/python3 -m ct.check_fixture_model --checkpoint ct/runs/fedavg.pt [--fixtures ../tests/fixtures/ct]

Mirrors src/tasks/ct/core/classify.ts (classifyVolume / addCamToVolume / camPeak) in PyTorch; prints JSON.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import torch
import torch.nn.functional as F

from .densenet3d import LABELS, DenseNet3D, ExportWrapper, network_size
from .preprocess import CT_INPUT, sample_slice_indices, to_model_input

HERE = Path(__file__).resolve().parent


def read_series(folder: Path):
    ds = [pydicom.dcmread(str(f)) for f in sorted(folder.glob("*.dcm"))]
    ds.sort(key=lambda d: float(d.ImagePositionPatient[2]))          # ascending z, as the studio's reader
    return np.stack([d.pixel_array.astype(np.float32) * float(d.RescaleSlope) + float(d.RescaleIntercept) for d in ds])


@torch.no_grad()
def classify(model, hu: np.ndarray, samplings: int = 3, in_plane: int | None = None):
    wrapper = ExportWrapper(model.eval(), normalize_cam=True, in_plane=in_plane).eval()
    nz, ny, nx = hu.shape
    plans = []
    for k in range(samplings):
        idx = sample_slice_indices(nz, k, samplings)
        if idx not in plans:
            plans.append(idx)
    probs = np.zeros(4)
    cam = np.zeros((4, nz, ny, nx), np.float32)
    cover = np.zeros(nz)
    for idx in plans:
        x = torch.from_numpy(to_model_input(hu, idx))[None, None]
        logits, c = wrapper(x)
        probs += F.softmax(logits, 1)[0].numpy()
        on_grid = F.interpolate(c, size=(len(idx), ny, nx), mode="trilinear", align_corners=False)[0].numpy()
        cam[:, idx] += on_grid
        cover[idx] += 1
    cam[:, cover > 0] /= cover[cover > 0][None, :, None, None]
    return probs / len(plans), cam, len(plans)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, default=HERE / "runs" / "fedavg.pt")
    ap.add_argument("--fixtures", type=Path, default=HERE.parents[1] / "tests" / "fixtures" / "ct")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = DenseNet3D()
    ck = torch.load(args.checkpoint, map_location="cpu")
    model.load_state_dict(ck["state_dict"])
    out = {}
    for name in ("covid19", "healthy", "viral", "bacterial"):
        if not (args.fixtures / f"{name}_dicom").is_dir():
            continue
        hu = read_series(args.fixtures / f"{name}_dicom")
        probs, cam, n = classify(model, hu, in_plane=network_size(ck))
        res = {"probabilities": dict(zip(LABELS, np.round(probs, 4).tolist())), "top": LABELS[int(probs.argmax())],
               "samplings": n}
        if name == "covid19":
            mask = np.asarray(nib.load(str(args.fixtures / "covid19_lesion.nii.gz")).dataobj).transpose(2, 1, 0)
            peak = np.unravel_index(int(cam[1].argmax()), cam[1].shape)
            res["camPeakZYX"] = [int(v) for v in peak]
            res["camPeakInLesion"] = bool(mask[peak] > 0)
        out[name] = res
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
