"""Evaluate trained models (CLI); writes results/metrics.json.

    /usr/bin/python3 -m mri.evaluate --model dfnet=mri/runs/dfnet.pt --model unet=mri/runs/unet.pt

1. Held-out phantoms (seeds 1_000_000 .. +N-1, never used for training): the ED and ES frames of every
   subject go through the contract pipeline (native slice -> 1.5 mm, 128x128 crop, z-score -> model -> logits
   mapped back to the native grid -> argmax). Per class: 3D Dice and 3D HD95 (mm, voxel spacing
   [slice spacing, pixel, pixel]) per subject and frame, then mean and sd over the 2N volumes; EF and LV
   mass errors from the predicted labels.
2. Independent phantoms (phantom_b.py, the distribution-shift test set: another generator, never trained on;
   seeds 3_000_000 .. +M-1): the same measures, the same pipeline.
3. Sunnybrook (real, LV endocardium masks; skipped when the data is absent): every slice, contract
   preprocessing at an assumed 1.37 mm/px, LV Dice per slice on the native 256x256 grid; mean +- sd overall,
   per patient, and for patients 1-7 (the fine-tuning patients) vs 8-10 (held out).

Per phantom set and model, besides Dice / HD95 per class: meanDice (the mean of the three class means), EF absolute
error (points), EDV absolute error (mL), LV volume relative error (|predicted - true| / true, %, at ED and ES:
lvVolRelErrorPct over both, edvRelErrorPct, esvRelErrorPct) and LV mass error (g). All models see exactly the same
cases (lock-step).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from . import sunnybrook
from .dataset import HELDOUT_SEED0
from .dfnet import build, count_parameters
from .infer import predict_native
from .metrics import dice, hd95
from .phantom import LV, MYO, RV, cardiac_parameters, make_subject, render_label, render_slice

HERE = Path(__file__).resolve().parent
CLASSES = ((RV, "RV"), (MYO, "MYO"), (LV, "LV"))
INDEPENDENT_SEED0 = 3_000_000


def load_model(path: Path):
    ck = torch.load(path, map_location="cpu")
    model = build(ck["arch"], ck["base"])
    model.load_state_dict(ck["state_dict"])
    return model.eval()


def heldout_cases(n: int):
    """Yield (seed, subject, frame, image [Z,ny,nx], truth [Z,ny,nx], truth params) for ED and ES."""
    for seed in range(HELDOUT_SEED0, HELDOUT_SEED0 + n):
        s = make_subject(seed)
        labels = np.stack([np.stack([render_label(s, k, t) for t in range(s.n_frames)]) for k in range(s.n_slices)])
        params = cardiac_parameters(labels, (s.spacing, s.spacing, s.dz))
        for frame in (params["edFrame"], params["esFrame"]):
            img = np.stack([render_slice(s, k, frame)[0] for k in range(s.n_slices)])
            yield seed, (s.dz, s.spacing, s.spacing), frame, img, labels[:, frame], params


def independent_cases(n: int):
    """The same for the independent generator (phantom_b.py), seeds 3_000_000 .. +n-1."""
    from . import phantom_b as pb

    for seed in range(INDEPENDENT_SEED0, INDEPENDENT_SEED0 + n):
        c = pb.make_case(seed)
        labels = pb.label_volume(c)
        params = pb.truth(c, labels)
        for frame in (params["edFrame"], params["esFrame"]):
            img = np.stack([pb.render_slice(c, k, frame)[0] for k in range(c.n_slices)])
            yield seed, (c.dz, c.spacing, c.spacing), frame, img, labels[:, frame], params


def _summary(values):
    v = np.asarray([x for x in values if np.isfinite(x)], float)
    return {"mean": round(float(v.mean()), 4) if len(v) else None, "sd": round(float(v.std()), 4) if len(v) else None,
            "n": int(len(v)), "nUndefined": int(len(values) - len(v))}


def evaluate_cases(models: dict, cases):
    """Every model on the same cases [(seed, spacing (dz, row, col), frame, image [Z,ny,nx], truth, params)]."""
    per_model = {name: {"cases": []} for name in models}
    cases = list(cases)
    for name, model in models.items():
        preds_by_seed: dict = {}
        for seed, spacing, frame, img, truth, params in cases:
            pred = np.stack(predict_native(model, list(img), spacing[1:]))
            case = {"seed": seed, "frame": frame, "phase": "ED" if frame == params["edFrame"] else "ES"}
            for c, cname in CLASSES:
                case[f"dice{cname}"] = round(dice(pred == c, truth == c), 4)
                case[f"hd95{cname}"] = round(hd95(pred == c, truth == c, spacing), 3)
            per_model[name]["cases"].append(case)
            preds_by_seed.setdefault(seed, {})[case["phase"]] = (pred, spacing)
        ef_err, mass_err, edv_err, edv_rel, esv_rel = [], [], [], [], []
        for seed, _, frame, _, _, params in cases[::2]:
            (ped, sp), (pes, _) = preds_by_seed[seed]["ED"], preds_by_seed[seed]["ES"]
            vox = sp[0] * sp[1] * sp[2] / 1000
            edv, esv = (ped == LV).sum() * vox, (pes == LV).sum() * vox
            ef = (edv - esv) / edv if edv > 0 else 0.0
            ef_err.append(abs(ef - params["ef"]) * 100)
            edv_err.append(abs(edv - params["edvMl"]))
            edv_rel.append(abs(edv - params["edvMl"]) / params["edvMl"] * 100)
            esv_rel.append(abs(esv - params["esvMl"]) / params["esvMl"] * 100)
            mass_err.append(abs((ped == MYO).sum() * vox * 1.05 - params["lvMassG"]))
        res = per_model[name]
        for c, cname in CLASSES:
            res[f"dice{cname}"] = _summary([x[f"dice{cname}"] for x in res["cases"]])
            res[f"hd95{cname}"] = _summary([x[f"hd95{cname}"] for x in res["cases"]])
        res["meanDice"] = round(float(np.mean([res[f"dice{c}"]["mean"] for _, c in CLASSES])), 4)
        res["efAbsErrorPct"] = _summary(ef_err)
        res["edvAbsErrorMl"] = _summary(edv_err)
        res["edvRelErrorPct"] = _summary(edv_rel)
        res["esvRelErrorPct"] = _summary(esv_rel)
        res["lvVolRelErrorPct"] = _summary(edv_rel + esv_rel)
        res["lvMassAbsErrorG"] = _summary(mass_err)
    return per_model


def evaluate_heldout(models: dict, n: int):
    return evaluate_cases(models, heldout_cases(n))


def evaluate_sunnybrook(models: dict, root=sunnybrook.DEFAULT_ROOT):
    if not sunnybrook.available(root):
        return {"skipped": f"{root} absent"}
    data = sunnybrook.load(root)
    sp = (sunnybrook.ASSUMED_SPACING_MM,) * 2
    out = {"assumedSpacingMm": sunnybrook.ASSUMED_SPACING_MM, "slices": len(data)}
    for name, model in models.items():
        preds = predict_native(model, [d["image"] for d in data], sp)
        scores = [dice(p == LV, d["mask"]) for p, d in zip(preds, data)]
        per_patient = {}
        for d, sc in zip(data, scores):
            per_patient.setdefault(f'{d["index"]:02d} {d["patient"]}', []).append(sc)
        out[name] = {
            "lvDice": _summary(scores),
            "tunePatients": sorted({d["patient"] for d in data if d["index"] in sunnybrook.TUNE_PATIENTS}),
            "heldoutPatients": sorted({d["patient"] for d in data if d["index"] in sunnybrook.HELDOUT_PATIENTS}),
            "lvDicePatients1to7": _summary([sc for d, sc in zip(data, scores) if d["index"] in sunnybrook.TUNE_PATIENTS]),
            "lvDicePatients8to10": _summary([sc for d, sc in zip(data, scores) if d["index"] in sunnybrook.HELDOUT_PATIENTS]),
            "lvDicePerPatient": {k: _summary(v) for k, v in sorted(per_patient.items())},
            "lvDiceMedian": round(float(np.median(scores)), 4),
            "fractionAbove0.8": round(float(np.mean(np.asarray(scores) > 0.8)), 4),
        }
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", required=True, help="name=path/to/checkpoint.pt")
    ap.add_argument("--heldout", type=int, default=20, help="number of held-out phantom subjects (0: skip)")
    ap.add_argument("--independent", type=int, default=0, help="number of independent-generator subjects (0: skip)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "metrics.json")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    models = {}
    for spec in args.model:
        name, path = spec.split("=", 1)
        models[name] = load_model(Path(path))
    result = {"models": {n: {"params": count_parameters(m), "checkpoint": Path(p.split("=", 1)[1]).name}
                         for (n, m), p in zip(models.items(), args.model)}}
    if args.heldout:
        result["heldoutPhantoms"] = {"seeds": [HELDOUT_SEED0, HELDOUT_SEED0 + args.heldout - 1],
                                     "frames": "ED and ES of each subject", **evaluate_heldout(models, args.heldout)}
    if args.independent:
        result["independentPhantoms"] = {
            "generator": "training/mri/phantom_b.py", "seeds": [INDEPENDENT_SEED0, INDEPENDENT_SEED0 + args.independent - 1],
            "frames": "ED and ES of each subject", **evaluate_cases(models, independent_cases(args.independent))}
    result["sunnybrook"] = evaluate_sunnybrook(models)
    result["seconds"] = round(time.time() - t0, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    brief = {k: v for k, v in result.items() if k not in ("heldoutPhantoms", "independentPhantoms")}
    for key in ("heldoutPhantoms", "independentPhantoms"):
        if key in result:
            brief[key] = {n: {k: v for k, v in r.items() if k != "cases"} for n, r in result[key].items()
                          if isinstance(r, dict) and "cases" in r}
    print(json.dumps(brief, indent=1))


if __name__ == "__main__":
    main()
