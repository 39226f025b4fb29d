"""Fine-tune a phantom-trained DF-Net with LV-only partial labels from Sunnybrook patients 1-7 (CLI).

    /usr/bin/python3 -m mri.finetune --checkpoint mri/runs/dfnet.pt --cache mri/cache/train.npz \
        --name dfnet_ft --iters 800

Each batch mixes phantom slices (full labels, the full DF-Net loss) with Sunnybrook slices of patients 1-7 only
(the held-out patients 8-10 are never loaded for training). On a Sunnybrook slice only "LV" vs "not LV" is known:
the loss there is a binary cross-entropy on the softmax LV probability (main head, + 0.1 x aux head), and the
DF loss on pixels inside the LV mask (whose ground-truth DF is exact); RV / MYO / background are left free.
Both kinds of slices get the same geometric and intensity augmentation (a DR cache from `mri.cache --dr`: the
phantom slices are domain-randomised, see domain_rand.py; the Sunnybrook slices keep the classic augmentation). Sunnybrook spacing is assumed 1.37 mm.
Writes runs/<name>.pt, results/<name>_log.jsonl and results/finetune.json. Skips (exit 0, message) when the
Sunnybrook data is absent.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import sunnybrook
from .dataset import CACHE_SIZE, make_sample
from .dfnet import build
from .losses import dfnet_loss
from .phantom import LV
from .preprocess import resample_to_model_grid
from .train import make_batcher

HERE = Path(__file__).resolve().parent


def sunnybrook_cache(patients):
    data = [d for d in sunnybrook.load() if d["index"] in patients]
    sp = (sunnybrook.ASSUMED_SPACING_MM,) * 2
    imgs = np.stack([resample_to_model_grid(d["image"], sp, crop=CACHE_SIZE) for d in data])
    imgs = imgs / (np.percentile(imgs.reshape(len(imgs), -1), 99.9, axis=1).reshape(-1, 1, 1) + 1e-6)
    labs = np.stack([(resample_to_model_grid(d["mask"].astype(np.float32), sp, order=0, crop=CACHE_SIZE) > 0.5)
                     .astype(np.uint8) * LV for d in data])
    return imgs.astype(np.float32), labs, sorted({d["patient"] for d in data})


def partial_lv_loss(outputs, mask, df_gt):
    """outputs = (logits, df, aux), df/aux None for the plain U-Net."""
    logits, df, aux = outputs
    lv = mask == LV
    target = lv.float()

    def bce(lg):
        p = F.softmax(lg, dim=1)[:, LV].clamp(1e-6, 1 - 1e-6)
        return F.binary_cross_entropy(p, target)

    seg = bce(logits)
    if df is None:                                  # the plain U-Net (the ablation): the segmentation term only
        return seg, {"sbSeg": float(seg), "sbDf": 0.0}
    a = bce(aux)
    if lv.any():
        sq = ((df - df_gt) ** 2).sum(1)[lv]
        cos = (df * df_gt).sum(1)[lv] / (df.norm(dim=1)[lv] * df_gt.norm(dim=1)[lv] + 1e-6)
        d = (sq + torch.acos(cos.clamp(-1 + 1e-6, 1 - 1e-6)) ** 2).mean()
    else:
        d = df.sum() * 0
    return seg + d + 0.1 * a, {"sbSeg": float(seg), "sbDf": float(d)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--name", default="dfnet_ft")
    ap.add_argument("--iters", type=int, default=800)
    ap.add_argument("--phantom-batch", type=int, default=4)
    ap.add_argument("--real-batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=Path, default=HERE / "runs")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    if not sunnybrook.available():
        print(f"Sunnybrook data absent ({sunnybrook.DEFAULT_ROOT}): nothing to fine-tune")
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    ck = torch.load(args.checkpoint, map_location="cpu")
    model = build(ck["arch"], ck["base"])
    model.load_state_dict(ck["state_dict"])
    model.train()
    data = np.load(args.cache)
    planes = data["planes"] if "planes" in data.files else None     # a DR cache: domain-randomised phantom batches
    phantoms = make_batcher(data["images"], data["labels"], args.phantom_batch, 12345, planes)
    sb_imgs, sb_labs, patients = sunnybrook_cache(sunnybrook.TUNE_PATIENTS)
    rng = np.random.default_rng(54321)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [int(args.iters * 0.7)], gamma=0.3)
    args.results.mkdir(parents=True, exist_ok=True)
    log = open(args.results / f"{args.name}_log.jsonl", "w")
    t0 = time.time()
    running: dict = {}
    for it in range(1, args.iters + 1):
        x, y, df = phantoms.next()
        idx = rng.integers(0, len(sb_imgs), args.real_batch)
        xs, ys, dfs = zip(*(make_sample(sb_imgs[i], sb_labs[i], rng) for i in idx))
        xr, yr, dfr = np.stack(xs)[:, None], np.stack(ys), np.stack(dfs)
        out_p = model(torch.from_numpy(x))
        lp, parts = dfnet_loss(out_p, torch.from_numpy(y), torch.from_numpy(df))
        out_r = model(torch.from_numpy(xr))
        lr_, parts_r = partial_lv_loss(out_r, torch.from_numpy(yr), torch.from_numpy(dfr))
        loss = lp + lr_
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        for k, v in {**parts, **parts_r}.items():
            running[k] = running.get(k, 0.0) + v
        if it % 20 == 0 or it == args.iters:
            n = 20 if it % 20 == 0 else it % 20
            rec = {"it": it, "s": round(time.time() - t0, 1), **{k: round(v / n, 5) for k, v in running.items()}}
            running = {}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(json.dumps(rec), flush=True)
    elapsed = time.time() - t0
    args.runs.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "arch": ck["arch"], "base": ck["base"], "it": args.iters,
                "finetunedFrom": args.checkpoint.name, "domainRandomisation": planes is not None},
               args.runs / f"{args.name}.pt")
    summary = {"iters": args.iters, "seconds": round(elapsed, 1), "from": args.checkpoint.name,
               "patients": "1-7", "patientNames": patients, "slices": int(len(sb_imgs)),
               "phantomBatch": args.phantom_batch, "phantomCache": args.cache.name,
               "domainRandomisation": planes is not None, "realBatch": args.real_batch, "lr": args.lr,
               "assumedSpacingMm": sunnybrook.ASSUMED_SPACING_MM}
    (args.results / "finetune.json").write_text(json.dumps(summary, indent=1) + "\n")
    log.write(json.dumps({"done": True, **summary}) + "\n")
    log.close()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
