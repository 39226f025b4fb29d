"""The shipped CT model on the new generators it was never trained on (CLI): issue 13's honest numbers.

    /usr/bin/python3 -m ct.sites --out ct/cache --splits test                 # internal A-D + held-out E test sets
    /usr/bin/python3 -m ct.phantom_b --out ct/cache_b --per-class 10           # the independent generator, 40 cases
    /usr/bin/python3 -m ct.eval_shipped [--onnx ../public/models/ct/ucadi-densenet/model.onnx]

The shipped model (trained on the phantom generator before issue 13) exists only as ONNX, and there is no Python
onnxruntime here, so the PyTorch DenseNet3D is rebuilt from the graph's initializers: the exporter folded every
Conv -> BatchNorm pair into the convolution, so those convolutions take the folded weights and their BatchNorms
become the identity; every other tensor keeps its name. The rebuilt model must reproduce the committed e2e
fixtures' probabilities (`tests/fixtures/ct`, the numbers in ct/results/card_notes.md, the same in Chromium and the
CLI); the script stops if it does not.

Evaluation as ct.federated does it: the cached 16x128x128 contract samplings, resized in-plane to the training
size 48 (what the exported graph does first), patient level = mean softmax over the 3 samplings; ct.metrics
summaries per set. A temperature is fitted on the internal sites' test sets only (A-D; the held-out site and the
independent generator never inform it) to measure what calibration would buy; the shipped ONNX is not changed.
Writes ct/results/shipped_on_new_generators.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import torch

from common.onnx_weights import folded_convs, named_weights, pass_through_bn, read_graph

from .check_fixture_model import classify, read_series
from .densenet3d import LABELS, DenseNet3D
from .federated import fit_temperature, patient_probs, predict_logits
from .metrics import ece, nll, summarize
from .sites import SITES, load

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ONNX = REPO / "public/models/ct/ucadi-densenet/model.onnx"
IN_PLANE = 48          # the training size; the exported graph resizes 128 -> 48 before the network
# the committed fixtures through the shipped model (ct/results/card_notes.md; Chromium and the CLI agree)
# (tests/e2e/ct.test.mjs pins covid19 0.4293 within 2e-3)
FIXTURE_PROBS = {"covid19": [0.155, 0.429, 0.203, 0.213], "healthy": [0.303, 0.250, 0.225, 0.223]}
FIXTURE_TOLERANCE = 2e-3


def _folded_pairs(model: DenseNet3D) -> list[tuple[str, str]]:
    """(conv, batchnorm) module names where a BatchNorm directly follows a convolution, in graph order."""
    names = [n for n, m in model.features.named_modules() if isinstance(m, (torch.nn.Conv3d, torch.nn.BatchNorm3d))]
    kinds = dict(model.features.named_modules())
    pairs = []
    for a, b in zip(names, names[1:]):
        if isinstance(kinds[a], torch.nn.Conv3d) and isinstance(kinds[b], torch.nn.BatchNorm3d) \
                and a.rpartition(".")[0] == b.rpartition(".")[0]:
            pairs.append((f"features.{a}", f"features.{b}"))
    return pairs


def load_onnx_model(path: Path = ONNX) -> DenseNet3D:
    """DenseNet3D with the weights of the exported graph (ct.export wraps the network as `model.`)."""
    graph, arrays = read_graph(path)
    inits = {k: torch.from_numpy(v) for k, v in named_weights(arrays).items()}
    model = DenseNet3D().eval()
    state = model.state_dict()
    new = {k: inits[k] for k in state if k in inits}
    # the CAM's 1^3 convolution with the classifier weights is the last folded-looking convolution
    folded = [(torch.from_numpy(w), None if b is None else torch.from_numpy(b)) for w, b in folded_convs(graph, arrays)]
    pairs = _folded_pairs(model)
    if len(folded) != len(pairs) + 1:
        raise SystemExit(f"{path}: {len(folded)} folded convolutions, expected {len(pairs)} + the CAM's")
    for (conv, bn), (w, b) in zip(pairs, folded):
        if tuple(w.shape) != tuple(state[f"{conv}.weight"].shape):
            raise SystemExit(f"{conv}: ONNX weight {tuple(w.shape)} vs {tuple(state[f'{conv}.weight'].shape)}")
        new[f"{conv}.weight"], new[f"{conv}.bias"] = w, b
        eps = dict(model.named_modules())[bn].eps
        new.update({f"{bn}.{k}": torch.from_numpy(v) for k, v in pass_through_bn(w.shape[0], eps).items()})
    cam_w = folded[-1][0]
    if not torch.allclose(cam_w.reshape(new["classifier.weight"].shape), new["classifier.weight"]):
        raise SystemExit("the CAM convolution's weights differ from the classifier's")
    for k in state:
        if k.endswith("num_batches_tracked"):
            new.setdefault(k, state[k])
    missing = sorted(set(state) - set(new))
    if missing:
        raise SystemExit(f"no ONNX tensor for {missing[:5]}")
    model.load_state_dict(new, strict=True)
    return model.eval()


def check_fixtures(model: DenseNet3D, fixtures: Path) -> dict:
    """The committed fixtures through the rebuilt model, the studio's way, against the shipped numbers."""
    out, worst = {}, 0.0
    for name, expected in FIXTURE_PROBS.items():
        probs, _, n = classify(model, read_series(fixtures / f"{name}_dicom"), in_plane=IN_PLANE)
        diff = float(np.abs(probs - np.array(expected)).max())
        worst = max(worst, diff)
        out[name] = {"probabilities": np.round(probs, 4).tolist(), "expected": expected, "maxAbsDiff": round(diff, 5)}
    out["maxAbsDiff"] = round(worst, 5)
    out["tolerance"] = FIXTURE_TOLERANCE
    if worst > FIXTURE_TOLERANCE:
        raise SystemExit(f"the rebuilt model does not reproduce the shipped fixtures: {json.dumps(out)}")
    return out


def evaluate(model: DenseNet3D, cache: Path, indep: Path, log=print) -> dict:
    held = [s.name for s in SITES if s.held_out]
    logits, ys = {}, {}
    for s in SITES:
        p = cache / f"{s.name}_test.npz"
        if not p.exists():
            raise SystemExit(f"{p} missing: /usr/bin/python3 -m ct.sites --out {cache} --splits test")
        d = load(p)
        t0 = time.time()
        logits[s.name], ys[s.name] = predict_logits(model, d, IN_PLANE), d["y"]
        log(f"[eval] {s.name}: {len(d['y'])} cases, {time.time() - t0:.0f} s")
    if not indep.exists():
        raise SystemExit(f"{indep} missing: /usr/bin/python3 -m ct.phantom_b --out {indep.parent} --per-class 10")
    d = load(indep)
    logits["independent"], ys["independent"] = predict_logits(model, d, IN_PLANE), d["y"]
    internal = [s.name for s in SITES if not s.held_out]
    logits["internal"] = np.concatenate([logits[k] for k in internal])
    ys["internal"] = np.concatenate([ys[k] for k in internal])
    t = fit_temperature(logits["internal"], ys["internal"])
    sets = {}
    for k in [*internal, "internal", *held, "independent"]:
        p1, after = patient_probs(logits[k], 1.0), patient_probs(logits[k], t)
        before = summarize(p1, ys[k])
        sets[k] = {**before, "meanTopProbability": float(p1.max(1).mean()), "nll": nll(p1, ys[k]),
                   "eceAfterTemperature": ece(after, ys[k]),
                   "nllAfterTemperature": nll(after, ys[k]),
                   "accuracyAfterTemperature": float((after.argmax(1) == ys[k]).mean())}
        log(f"[eval] {k}: accuracy {before['accuracy']:.3f}, sensitivity "
            f"{[round(v, 2) for v in before['perClass']['sensitivity']]}, ECE {before['ece']:.3f} -> "
            f"{sets[k]['eceAfterTemperature']:.3f}, NLL {sets[k]['nll']:.3f} -> {sets[k]['nllAfterTemperature']:.3f} "
            f"(T {t:.3f}), confusion {before['confusion']}")
    return {"temperature": {"value": t, "fittedOn": internal, "method": "temperature scaling, patient-level NLL "
                            "(ct.federated.fit_temperature); measured only, the shipped ONNX is unchanged"},
            "heldOut": held[0], "sets": sets}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--onnx", type=Path, default=ONNX)
    ap.add_argument("--cache", type=Path, default=HERE / "cache")
    ap.add_argument("--independent", type=Path, default=HERE / "cache_b" / "B_indep.npz")
    ap.add_argument("--fixtures", type=Path, default=REPO / "tests" / "fixtures" / "ct")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "shipped_on_new_generators.json")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    model = load_onnx_model(args.onnx)
    fixtures = check_fixtures(model, args.fixtures)
    print(f"[eval] rebuilt from {args.onnx.name}; fixtures reproduced (max abs diff {fixtures['maxAbsDiff']})")
    res = {"model": {"path": str(args.onnx.relative_to(REPO)) if args.onnx.is_relative_to(REPO) else str(args.onnx),
                     "sha256": hashlib.sha256(args.onnx.read_bytes()).hexdigest(),
                     "trainedOn": "the phantom generator before issue 13 (ct/results/fedavg.json)"},
           "labels": LABELS, "inPlane": IN_PLANE, "samplings": "mean softmax of the studio's 3 samplings",
           "generators": {"sites": "ct/phantom.py + ct/sites.py (domain randomisation), test splits",
                          "independent": f"ct/phantom_b.py, {args.independent.name}"},
           "fixtureCheck": fixtures, **evaluate(model, args.cache, args.independent)}
    res["seconds"] = round(time.time() - t0)
    args.out.write_text(json.dumps(res, indent=1) + "\n")
    print(f"[eval] wrote {args.out} in {res['seconds']} s")


if __name__ == "__main__":
    main()
