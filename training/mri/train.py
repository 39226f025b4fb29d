"""Train DF-Net or the plain U-Net on cached phantom slices (augmented on the fly).

    /usr/bin/python3 -m mri.train --arch dfnet --cache mri/cache/train.npz --iters 4000 --name dfnet

With a DR cache (`mri.cache --dr`, label planes included) the batches are domain-randomised (domain_rand.py);
`--init` continues from a checkpoint (e.g. the shipped model rebuilt by from_onnx.py; a DF-Net checkpoint given to
`--arch unet` gives its backbone and auxiliary head, see dfnet.unet_from_dfnet).

Adam 1e-3, step decay (x0.3 at 60 % and 85 % of the run), gradient clipping at 1.0, batch 8, one thread.
The run ends after --iters iterations or --max-minutes of wall time, whichever comes first; "progress" is the
larger of the two fractions, so the learning-rate steps happen on time even when the machine is busy. Loss: CE(seg) [+ 1.0 DF loss + 0.1 CE(aux) for DF-Net]. Writes runs/<name>.pt (weights + config) and
results/<name>_log.jsonl (one line per logged step: iteration, seconds, learning rate, loss parts, and every
`--val-every` steps the Dice on a fixed, unaugmented validation set of phantom slices whose seeds are not in
the cache).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from .dataset import Batcher, build_cache
from .domain_rand import DRBatcher
from .dfnet import build, count_parameters, unet_from_dfnet
from .losses import dfnet_loss
from .metrics import dice

HERE = Path(__file__).resolve().parent
VAL_SEEDS = range(900_000, 900_064)


def validation_set(size: int = 64, cache: Path | None = None):
    if cache is not None and cache.exists():
        d = np.load(cache)
        return d["images"], d["labels"]
    imgs, labs = build_cache(VAL_SEEDS[:size], 1)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, images=imgs, labels=labs)
    return imgs, labs


class BatchStream(torch.utils.data.IterableDataset):
    """Endless augmented batches from the cache, one Batcher per DataLoader worker (seeded by worker id), so the
    CPU-side augmentation keeps a GPU fed."""

    def __init__(self, images, labels, batch_size: int, seed: int, planes=None, p_synth: float = 0.65):
        super().__init__()
        self.images, self.labels, self.batch_size, self.seed = images, labels, batch_size, seed
        self.planes, self.p_synth = planes, p_synth

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        batcher = make_batcher(self.images, self.labels, self.batch_size, self.seed + 1000 * (info.id if info else 0),
                               self.planes, self.p_synth)
        while True:
            yield batcher.next()


def make_batcher(images, labels, batch_size: int, seed: int, planes=None, p_synth: float = 0.65):
    """The classic augmentation (dataset.Batcher), or domain randomisation when the cache has depth planes."""
    if planes is not None:
        return DRBatcher(images, labels, planes, batch_size, seed=seed, p_synth=p_synth)
    return Batcher(images, labels, batch_size, seed=seed)


def batches(images, labels, batch_size: int, seed: int, workers: int, planes=None, p_synth: float = 0.65):
    if workers <= 0:
        batcher = make_batcher(images, labels, batch_size, seed, planes, p_synth)
        while True:
            yield batcher.next()
    loader = torch.utils.data.DataLoader(BatchStream(images, labels, batch_size, seed, planes, p_synth), batch_size=None,
                                         num_workers=workers, prefetch_factor=4, persistent_workers=True)
    for x, y, df in loader:
        yield x.numpy(), y.numpy(), df.numpy()


@torch.no_grad()
def validate(model, images, labels):
    b = Batcher(images, labels, len(images), seed=0, augment=False)
    idx = np.arange(len(images))
    from .dataset import make_sample

    xs, ys = [], []
    for i in idx:
        x, y, _ = make_sample(images[i], labels[i], b.rng, augment=False)
        xs.append(x)
        ys.append(y)
    model.eval()
    device = next(model.parameters()).device
    pred = torch.cat([model(torch.from_numpy(np.stack(xs[i:i + 16])[:, None]).to(device))[0].argmax(1).cpu()
                      for i in range(0, len(xs), 16)]).numpy()
    model.train()
    y = np.stack(ys)
    return {name: dice(pred == c, y == c) for c, name in ((1, "RV"), (2, "MYO"), (3, "LV"))}


def _records(path: Path):
    try:
        return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    except (OSError, json.JSONDecodeError):
        return []


def followed_done(path: Path):
    done = next((r for r in _records(path) if r.get("done")), None)
    return done["iters"] if done else None


def wait_for(path: Path, it: int):
    """Block until the followed run has logged iteration >= it; return its learning rate there (None if that
    run finished before reaching it)."""
    while True:
        recs = _records(path)
        steps = [r for r in recs if "it" in r and "lr" in r]
        ahead = [r for r in steps if r["it"] >= it]
        if ahead:
            return ahead[0]["lr"]
        done = next((r for r in recs if r.get("done")), None)
        if done:
            return None if it > done["iters"] else steps[-1]["lr"]
        time.sleep(0.1)


def cpu_state(model) -> dict:
    return {k: v.detach().cpu() for k, v in model.state_dict().items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=["dfnet", "unet"], required=True)
    ap.add_argument("--cache", type=Path, required=True, help="npz from `python3 -m mri.cache` (classic augmentation) or "
                    "`python3 -m mri.cache --dr` (with depth planes: domain randomisation, see domain_rand.py)")
    ap.add_argument("--p-synth", type=float, default=0.65, help="DR cache: fraction of slices drawn from label maps")
    ap.add_argument("--ckpt-minutes", type=float, default=0, help="also save the checkpoint every this many minutes")
    ap.add_argument("--name", required=True)
    ap.add_argument("--iters", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--base", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--workers", type=int, default=0, help="augmentation worker processes (0: in the training loop)")
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--val-every", type=int, default=200, help="a multiple of --log-every")
    ap.add_argument("--val-size", type=int, default=64)
    ap.add_argument("--max-minutes", type=float, default=0, help="wall-time budget (0: iterations only)")
    ap.add_argument("--init", type=Path, help="start from this checkpoint's weights (a second training phase)")
    ap.add_argument("--follow", type=Path, help="another run's log.jsonl: train in lock-step with it (never ahead of its "
                    "iteration, same learning rate, stop where it stopped), so that two models get the same schedule")
    ap.add_argument("--runs", type=Path, default=HERE / "runs")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    if args.val_every % args.log_every:
        ap.error("--val-every must be a multiple of --log-every")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data = np.load(args.cache)
    images, labels = data["images"], data["labels"]
    planes = data["planes"] if "planes" in data.files else None
    val_images, val_labels = validation_set(args.val_size, args.cache.parent / f"val{args.val_size}.npz")
    model = build(args.arch, args.base)
    if args.init:
        ck = torch.load(args.init, map_location="cpu")
        assert ck["base"] == args.base, "--init checkpoint of another width"
        if ck["arch"] == "dfnet" and args.arch == "unet":      # the ablation: v1's backbone and auxiliary head
            model.load_state_dict(unet_from_dfnet(ck["state_dict"]))
        else:
            assert ck["arch"] == args.arch, "--init checkpoint of another architecture"
            model.load_state_dict(ck["state_dict"])
    model.to(args.device)
    if args.device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    milestones = [0.6, 0.85]
    stream = batches(images, labels, args.batch, args.seed + 1, args.workers, planes, args.p_synth)
    args.runs.mkdir(parents=True, exist_ok=True)
    args.results.mkdir(parents=True, exist_ok=True)
    log_path = args.results / f"{args.name}_log.jsonl"
    log = open(log_path, "w")
    params = count_parameters(model)
    header = {"arch": args.arch, "base": args.base, "params": params, "iters": args.iters, "batch": args.batch,
              "cache": str(args.cache.name), "cacheSlices": int(len(images)), "threads": args.threads,
              "domainRandomisation": planes is not None, "pSynth": args.p_synth if planes is not None else None,
              "device": args.device, "workers": args.workers,
              "lr": args.lr, "milestones": milestones, "maxMinutes": args.max_minutes,
              "follow": args.follow.name if args.follow else None,
              "init": args.init.name if args.init else None}
    log.write(json.dumps({"config": header}) + "\n")
    print(json.dumps(header), flush=True)
    t0 = time.time()
    data_time = 0.0
    running: dict = {}
    it = 0
    last_ckpt = time.time()
    def progress(i):
        p = i / args.iters
        if args.max_minutes:
            p = max(p, (time.time() - t0) / (args.max_minutes * 60))
        return p

    for it in range(1, args.iters + 1):
        lr = args.lr * 0.3 ** sum(progress(it - 1) >= m for m in milestones)
        if args.follow:
            led = wait_for(args.follow, it)
            if led is None:
                it -= 1
                print("the followed run stopped", flush=True)
                break
            lr = led
        for g in opt.param_groups:
            g["lr"] = lr
        td = time.time()
        x, y, df = next(stream)
        data_time += time.time() - td
        x, y, df = (torch.from_numpy(a).to(args.device, non_blocking=True) for a in (x, y, df))
        out = model(x)
        loss, parts = dfnet_loss(out, y, df)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        for k, v in parts.items():
            running[k] = running.get(k, 0.0) + v
        last = it == args.iters or (not args.follow and progress(it) >= 1) or (args.follow and followed_done(args.follow) == it)
        if it % args.log_every == 0 or last:
            n = args.log_every if it % args.log_every == 0 else it % args.log_every
            rec = {"it": it, "s": round(time.time() - t0, 1), "dataS": round(data_time, 1),
                   "lr": opt.param_groups[0]["lr"], **{k: round(v / n, 5) for k, v in running.items()}}
            running = {}
            if it % args.val_every == 0 or last:
                rec["val"] = {k: round(v, 4) for k, v in validate(model, val_images, val_labels).items()}
                torch.save({"state_dict": cpu_state(model), "arch": args.arch, "base": args.base, "it": it},
                           args.runs / f"{args.name}.pt")
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(json.dumps(rec), flush=True)
        if args.ckpt_minutes and time.time() - last_ckpt > args.ckpt_minutes * 60:
            torch.save({"state_dict": cpu_state(model), "arch": args.arch, "base": args.base, "it": it},
                       args.runs / f"{args.name}.pt")
            last_ckpt = time.time()
        if not args.follow and progress(it) >= 1 and it < args.iters:
            print(f"time budget reached at iteration {it}", flush=True)
            break
    elapsed = time.time() - t0
    torch.save({"state_dict": cpu_state(model), "arch": args.arch, "base": args.base, "it": it},
               args.runs / f"{args.name}.pt")
    summary = {"done": True, "iters": it, "seconds": round(elapsed, 1), "itPerS": round(it / elapsed, 3),
               "dataSeconds": round(data_time, 1)}
    log.write(json.dumps(summary) + "\n")
    log.close()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
