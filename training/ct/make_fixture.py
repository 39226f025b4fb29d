"""Write the chest-CT e2e fixtures tests/fixtures/ct/ (CLI): one phantom per class as a DICOM series (COVID-19,
healthy, other viral, bacterial).

    /usr/bin/python3 -m ct.make_fixture [--out ../tests/fixtures/ct] [--covid-seed 9000000] [--healthy-seed 9000001] \
        [--viral-seed 9000002] [--bacterial-seed 9000003] [--force]

The committed tests/fixtures/ct (COVID-19 and healthy only) were made by this script with the phantom generator
before issue 13 (commit 471f119); the shipped model, the e2e and CLI tests and the card notes are checked against
those series. The current generator writes different series, so the script refuses to replace existing ones without
--force: regenerate them together with a retrained model (then update the e2e numbers and ct/results/card_notes.md).

Held-out seeds (9 000 000+; training and test sites use 100 000-599 999, the export parity case 9 100 000).
Each series: 36 axial slices of 128x128, 7.5 mm, one uncompressed Explicit VR Little Endian CT Image Storage file
per slice, uint16 stored values with RescaleSlope 1 / RescaleIntercept -1024 (HU = stored - 1024),
ImagePositionPatient / ImageOrientationPatient / PixelSpacing / SliceThickness set, file names shuffled (random
hex) so that a reader must sort by position. For the COVID-19 case also the lesion mask (NIfTI, uint8) on the
grid a position-sorted reader produces, and a JSON {class, lesionVoxels, note, ...}.
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from .phantom import Scanner, make_case

HERE = Path(__file__).resolve().parent
SLICES, THICKNESS, SIZE, FOV = 36, 7.5, 128, 360.0
ROOT_UID = "1.2.826.0.1.3680043.8.498."   # pydicom's documented example root; deterministic UIDs below


def uid(*parts) -> str:
    return generate_uid(prefix=ROOT_UID, entropy_srcs=[str(p) for p in parts])


def write_series(ct, folder: Path, name: str, seed: int, rng) -> list[str]:
    """One file per slice; returns the file names in InstanceNumber order."""
    folder.mkdir(parents=True, exist_ok=True)
    study, series, frame = uid(name, seed, "study"), uid(name, seed, "series"), uid(name, seed, "frame")
    dz, p, _ = ct.spacing
    x0, y0, z0 = ct.origin
    stored = np.clip(np.rint(ct.hu + 1024), 0, 4095).astype(np.uint16)
    names = []
    hexes = rng.choice(16 ** 6, ct.hu.shape[0], replace=False)
    for k in range(ct.hu.shape[0]):
        sop = uid(name, seed, "slice", k)
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = sop
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.ImplementationClassUID = ROOT_UID + "1"
        fname = f"IM_{int(hexes[k]):06x}.dcm"
        ds = FileDataset(str(folder / fname), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.is_little_endian = True
        ds.is_implicit_VR = False
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = sop
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.Modality = "CT"
        ds.PatientName = f"Phantom^{name}"
        ds.PatientID = f"LOUPE-CT-{seed}"
        ds.StudyDate = ds.SeriesDate = "20260101"
        ds.StudyDescription = "Synthetic chest CT (Loupe phantom, not patient data)"
        ds.SeriesDescription = f"Chest {THICKNESS} mm phantom {name}"
        ds.Manufacturer = "Loupe phantom"
        ds.BodyPartExamined = "CHEST"
        ds.SeriesNumber = 1
        ds.InstanceNumber = k + 1
        z = float(z0 - k * dz)
        ds.ImagePositionPatient = [round(x0, 4), round(y0, 4), round(z, 4)]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.SliceLocation = round(z, 4)
        ds.SliceThickness = THICKNESS
        ds.SpacingBetweenSlices = dz
        ds.PixelSpacing = [round(p, 6), round(p, 6)]
        ds.Rows, ds.Columns = ct.hu.shape[1:]
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
        ds.WindowCenter, ds.WindowWidth = -600, 1500
        ds.KVP = 120
        ds.PixelData = stored[k].tobytes()
        ds.save_as(str(folder / fname), write_like_original=False)
        names.append(fname)
    return names


def mask_nifti(ct, path: Path):
    """Lesion mask on the grid of a reader that sorts slices by position along the normal (ascending z, so
    k = 0 is the most inferior slice): array (X = column, Y = row, Z), RAS+ affine from the DICOM geometry."""
    dz, p, _ = ct.spacing
    x0, y0, z0 = ct.origin
    z_inferior = z0 - (ct.hu.shape[0] - 1) * dz
    data = np.ascontiguousarray(ct.lesion[::-1].transpose(2, 1, 0)).astype(np.uint8)   # [z,row,col] -> (x,y,z)
    affine = np.array([[-p, 0, 0, -x0], [0, -p, 0, -y0], [0, 0, dz, z_inferior], [0, 0, 0, 1]], np.float64)
    img = nib.Nifti1Image(data, affine)
    img.header.set_xyzt_units("mm")
    img.set_qform(affine, code=1)
    img.set_sform(affine, code=1)
    nib.save(img, str(path))


def make(seed: int, label: int):
    return make_case(seed, label, Scanner(thickness_mm=THICKNESS, size=SIZE, fov_mm=FOV, noise_hu=18,
                                          kernel="standard"), severity=0.8 if label else 0.5, n_slices=SLICES)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=HERE.parents[1] / "tests" / "fixtures" / "ct")
    ap.add_argument("--covid-seed", type=int, default=9_000_000)
    ap.add_argument("--healthy-seed", type=int, default=9_000_001)
    ap.add_argument("--viral-seed", type=int, default=9_000_002)
    ap.add_argument("--bacterial-seed", type=int, default=9_000_003)
    ap.add_argument("--force", action="store_true", help="replace existing series (see above: only with a new model)")
    args = ap.parse_args(argv)
    out = args.out
    existing = sorted(f.name for f in out.glob("*_dicom")) if out.is_dir() else []
    if existing and not args.force:
        raise SystemExit(f"{out} already holds {existing}: the shipped model is checked against them (made by the "
                         f"generator before issue 13). Pass --force to replace them, with a retrained model only.")
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.covid_seed)
    total = 0
    for name, seed, label in (("covid19", args.covid_seed, 1), ("healthy", args.healthy_seed, 0),
                              ("viral", args.viral_seed, 2), ("bacterial", args.bacterial_seed, 3)):
        ct = make(seed, label)
        folder = out / f"{name}_dicom"
        if folder.exists():
            shutil.rmtree(folder)
        write_series(ct, folder, name, seed, rng)
        info = {"class": name, "label": label, "seed": seed, "lesionVoxels": int(ct.lesion.sum()),
                "slices": int(ct.hu.shape[0]), "rows": SIZE, "columns": SIZE,
                "spacingMm": [round(ct.spacing[2], 6), round(ct.spacing[1], 6), ct.spacing[0]],
                "findings": ct.meta["findings"], "severity": ct.meta["severity"],
                "note": "synthetic phantom (training/ct/phantom.py), not patient data; held-out seed never used in "
                        "training or evaluation. HU = stored - 1024. "}
        if label == 1:
            mask_nifti(ct, out / f"{name}_lesion.nii.gz")
            info["lesionMask"] = f"{name}_lesion.nii.gz"
            info["note"] += ("Lesion mask (1 = COVID-19 finding) as (X = column, Y = row, Z) with Z sorted by "
                             "ImagePositionPatient z ascending (Z = 0 most inferior slice), RAS+ affine: the grid a "
                             "position-sorted DICOM reader returns. The studio's CAM peak for class covid19 should "
                             "lie inside it.")
        (out / f"{name}.json").write_text(json.dumps(info, indent=1) + "\n")
        print(f"{name}: seed {seed}, {ct.hu.shape[0]} slices, lesion voxels {info['lesionVoxels']}, "
              f"findings {ct.meta['findings']}")
    (out / "README.md").write_text(README.format(covid=args.covid_seed, healthy=args.healthy_seed,
                                                 viral=args.viral_seed, bacterial=args.bacterial_seed))
    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"{out}: {total:,} bytes")
    if total > 5_500_000:
        raise SystemExit(f"fixtures too large: {total} bytes")


README = """# Chest-CT fixtures (generated, not patient data)

Made by `training/ct/make_fixture.py` (`cd training && /usr/bin/python3 -m ct.make_fixture`) from
`training/ct/phantom.py`, held-out seeds (never in a training or test split).

- `covid19_dicom/` (seed {covid}): COVID-19 phantom, bilateral peripheral ground-glass opacities; `healthy_dicom/`
  (seed {healthy}): no findings; `viral_dicom/` (seed {viral}): other viral pneumonia (central or diffuse ground glass,
  bronchial wall thickening); `bacterial_dicom/` (seed {bacterial}): bacterial pneumonia (lobar or segmental
  consolidation with air bronchograms). Each: 36 axial CT slices, 128x128, 7.5 mm, one file per slice, uncompressed Explicit
  VR Little Endian, CT Image Storage, uint16 stored values, RescaleSlope 1, RescaleIntercept -1024;
  ImagePositionPatient / ImageOrientationPatient [1,0,0,0,1,0] / PixelSpacing / SliceThickness set; file names are
  shuffled random hex, so slices must be ordered by position. InstanceNumber 1 = most superior slice.
- `covid19_lesion.nii.gz`: uint8 lesion mask (1 = COVID-19 finding), (X = column, Y = row, Z) with Z ascending
  in patient z (Z = 0 = most inferior slice, i.e. the order of a position-sorted DICOM reader), RAS+ affine.
- `covid19.json`, `healthy.json`, `viral.json`, `bacterial.json`: {{class, label, seed, lesionVoxels, slices, spacingMm [x, y, z], findings, note}}.
"""


if __name__ == "__main__":
    main()
