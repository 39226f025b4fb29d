"""Federated training of the UCADI 3D DenseNet over simulated hospitals, against local-only models (CLI).

    /usr/bin/python3 -m ct.sites --out ct/cache                     # render the sites once
    /usr/bin/python3 -m ct.federated --cache ct/cache --rounds 6 --local-epochs 1 --sizes 64 \\
        --local-baselines --eval-contract fed --secure-rounds 1

Per round every training site starts from the global model, trains `--local-epochs` epochs on its own cases
(Adam, fresh per round, cosine learning rate over rounds) and returns its weights; the server forms the
weighted FedAvg (weights = the sites' numbers of training cases), in the clear or, for the first
`--secure-rounds` rounds (or all with --secure), through Paillier (ct/paillier.py; the plain average is computed
as well and the difference recorded). After each round the global model is evaluated on every internal test set
and on the held-out site (central sampling, training resolution) to draw AUC against communication.

A local-only model per site runs the identical procedure with that site alone (same rounds, epochs, schedule).
Final evaluation: patient level = mean softmax over the studio's 3 samplings, on every site's test set and on the
held-out site, at the training in-plane size and (--eval-contract) at the contract size 16x128x128.

Training at a reduced in-plane size (--sizes, the 128x128 contract input trilinearly downsampled) is a compute
decision: the network is fully convolutional with global pooling, so the same weights run at 128x128; optional
BatchNorm re-estimation at 128x128 (--bn-recal, forward passes only, statistics FedAvg-ed) adapts the
normalisation statistics to the contract scale.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .densenet3d import DenseNet3D, DropBlock3D, ExportWrapper, count_parameters
from .fedavg import fedavg, secure_fedavg
from .metrics import ece, nll, summarize
from .sites import SITES, load

HERE = Path(__file__).resolve().parent


def log_to(path: Path | None):
    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        if path:
            with open(path, "a") as f:
                f.write(line + "\n")
    return log


def load_sites(cache: Path, names=None):
    train, test = {}, {}
    for s in SITES:
        if names and s.name not in names:
            continue
        p = cache / f"{s.name}_train.npz"
        if p.exists() and not s.held_out:
            train[s.name] = load(p)
        p = cache / f"{s.name}_test.npz"
        if p.exists():
            test[s.name] = load(p)
    return train, test


def to_size(x: torch.Tensor, size: int) -> torch.Tensor:
    if x.shape[-1] == size and x.shape[-2] == size:
        return x
    return F.interpolate(x, size=(x.shape[2], size, size), mode="trilinear", align_corners=False)


def cosine_lr(base: float, step: int, total: int) -> float:
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(step, total) / max(total, 1))))


def dense_loss(dense: torch.Tensor, mask: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Soft per-voxel CE on the feature grid ("evidence" targets): cells >= 15 % lesion take the case's class,
    every other cell (normal tissue, any case) the uniform distribution, i.e. no evidence for any class; with
    mean pooling the image logits are then the classifier bias plus the lesions' evidence. Lesion cells and the
    other cells get equal total weight."""
    frac = F.adaptive_avg_pool3d(mask.float(), dense.shape[2:])[:, 0]
    lesion = (frac >= 0.15) & (y[:, None, None, None] > 0)
    logp = F.log_softmax(dense, 1)
    k = dense.shape[1]
    ce_class = -logp.gather(1, y[:, None, None, None, None].expand(-1, 1, *dense.shape[2:]))[:, 0]
    ce_uniform = -logp.mean(1)
    terms = []
    if lesion.any():
        terms.append(ce_class[lesion].mean())
    if (~lesion).any():
        terms.append(ce_uniform[~lesion].mean() - math.log(k))   # 0 at the uniform distribution
    return sum(terms) / len(terms)


def class_weights(y, k: int = 4) -> torch.Tensor:
    """Inverse-frequency class weights of one site's training labels (mean 1 over the site's cases), so that a
    site's majority class cannot drown the others: the fix for the collapse in which "viral" and "bacterial" were
    never predicted. Computed locally by each client from its own labels (nothing extra is shared)."""
    counts = np.bincount(np.asarray(y), minlength=k).astype(np.float64)
    w = np.where(counts > 0, len(y) / (k * np.maximum(counts, 1)), 0.0)
    return torch.tensor(np.clip(w, 0, 4.0), dtype=torch.float32)


def train_local(model, data, epochs: int, lr: float, batch: int, sizes, rng, shift: int = 4, aux: float = 0.0,
                device: str = "cpu", balance: bool = True):
    """`epochs` passes over one site's training cases; returns (mean loss, cases seen).

    Loss = CE(logits, class) + aux * CE(dense class map, lesion targets): the dense map is the classifier applied
    to every voxel of the last feature block (the pre-ReLU CAM plus bias; its mean over voxels is exactly the
    logits), supervised with the phantom's lesion masks (`dense_loss`). Real data would not have these masks;
    they buy sample efficiency and CAMs that point at lesions."""
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-5)
    model.train()
    x_all, y_all = data["x"], data["y"]
    n, K = x_all.shape[:2]
    losses, seen = [], 0
    cw = class_weights(y_all).to(device) if balance else None
    for _ in range(epochs):
        perm = rng.permutation(n)
        for b in range(0, n, batch):
            idx = np.sort(perm[b:b + batch])
            k = rng.integers(0, K, len(idx))
            x = torch.from_numpy(x_all[idx, k].astype(np.float32))[:, None].to(device)
            size = int(rng.choice(sizes))
            x = to_size(x, size)
            m = torch.from_numpy(data["mask"][idx, k])[:, None].to(device) if aux else None
            # augmentation: intensity gain/offset (in normalised units), small in-plane translation
            g = torch.from_numpy(rng.normal(1, 0.04, (len(idx), 1, 1, 1, 1)).astype(np.float32))
            o = torch.from_numpy(rng.normal(0, 0.04, (len(idx), 1, 1, 1, 1)).astype(np.float32))
            x = x * g.to(device) + o.to(device)
            if shift:
                dy, dx = (int(v) for v in rng.integers(-shift, shift + 1, 2))
                x = torch.roll(x, (dy, dx), (3, 4))
                if m is not None:
                    m = torch.roll(m, (dy * 128 // size, dx * 128 // size), (3, 4))
            y = torch.from_numpy(y_all[idx]).to(device)
            f = model.forward_features(x)
            loss = F.cross_entropy(model.classifier(f.mean(dim=(2, 3, 4))), y, weight=cw)
            if aux:
                dense = F.conv3d(f, model.classifier.weight[:, :, None, None, None], model.classifier.bias)
                loss = loss + aux * dense_loss(dense, m, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss))
            seen += len(idx)
    return float(np.mean(losses)) if losses else float("nan"), seen


@torch.no_grad()
def predict(model, data, size: int, samplings=None, batch: int = 4, cam: bool = False):
    device = next(model.parameters()).device
    """Patient-level probabilities (mean softmax over samplings); with cam=True also whether the COVID-19 CAM of
    the central sampling peaks inside the lesion mask (COVID-19 cases only)."""
    model.eval()
    x_all = data["x"]
    n, K = x_all.shape[:2]
    ks = list(range(K)) if samplings is None else samplings
    probs = np.zeros((n, 4))
    hits = {}
    wrapper = ExportWrapper(model, normalize_cam=False).eval() if cam else None
    central = K // 2
    for k in ks:
        for b in range(0, n, batch):
            x = torch.from_numpy(x_all[b:b + batch, k].astype(np.float32))[:, None].to(device)
            x = to_size(x, size)
            if cam and k == central:
                logits, maps = wrapper(x)
                for j in range(len(x)):
                    i = b + j
                    if data["y"][i] == 1 and data["mask"][i, k].any():
                        m = maps[j, 1].cpu().numpy()
                        peak = np.unravel_index(m.argmax(), m.shape)
                        mask = data["mask"][i, k]
                        if mask.shape != m.shape:
                            mask = (to_size(torch.from_numpy(mask[None, None].astype(np.float32)), size)[0, 0]
                                    .numpy() >= 0.5)
                        hits[i] = bool(mask[peak])
            else:
                logits = model(x)
            probs[b:b + len(x)] += F.softmax(logits, 1).cpu().numpy()
    probs /= len(ks)
    return probs, hits


@torch.no_grad()
def predict_logits(model, data, size: int, batch: int = 4) -> np.ndarray:
    """Logits of every sampling: [cases, samplings, 4] (the studio averages the softmax over the samplings)."""
    device = next(model.parameters()).device
    model.eval()
    x_all = data["x"]
    n, K = x_all.shape[:2]
    out = np.zeros((n, K, 4), np.float64)
    for k in range(K):
        for b in range(0, n, batch):
            x = to_size(torch.from_numpy(x_all[b:b + batch, k].astype(np.float32))[:, None].to(device), size)
            out[b:b + len(x), k] = model(x).cpu().numpy()
    return out


def patient_probs(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Mean softmax over the samplings of logits / T (the studio's patient-level probabilities)."""
    z = logits / temperature
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(-1, keepdims=True)).mean(1)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature scaling (Guo et al., 2017): the T > 0 minimising the patient-level negative log-likelihood,
    by a log-spaced grid refined once (one scalar; argmax and ranking are unchanged)."""
    def at(t):
        return nll(patient_probs(logits, t), y)
    grid = np.exp(np.linspace(np.log(0.05), np.log(20), 121))
    best = min(grid, key=at)
    fine = best * np.exp(np.linspace(-0.06, 0.06, 25))
    return float(min(fine, key=at))


def calibrated_state(model, temperature: float) -> dict:
    """The state dict with the classifier divided by T: the exported logits are then the calibrated ones. The
    normalised CAM is unchanged (a positive scale of each class map)."""
    state = cpu_state(model)
    state["classifier.weight"] = state["classifier.weight"] / temperature
    state["classifier.bias"] = state["classifier.bias"] / temperature
    return state


def uncalibrated_state(checkpoint: dict) -> dict:
    """A saved checkpoint's weights as trained: its classifier multiplied back by the temperature baked in by
    `calibrated_state` (checkpoints without one are returned as they are)."""
    state = dict(checkpoint["state_dict"])
    t = float(checkpoint.get("temperature", 1.0))
    state["classifier.weight"] = state["classifier.weight"] * t
    state["classifier.bias"] = state["classifier.bias"] * t
    return state


@torch.no_grad()
def recalibrate_bn(model, data, n_cases: int, size: int, rng, batch: int = 2):
    """Re-estimate BatchNorm running statistics at `size` (cumulative average over n_cases forward passes)."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm3d)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    for m in model.modules():
        if isinstance(m, DropBlock3D):
            m.eval()
    idx = rng.choice(len(data["y"]), min(n_cases, len(data["y"])), replace=False)
    for b in range(0, len(idx), batch):
        sel = np.sort(idx[b:b + batch])
        k = rng.integers(0, data["x"].shape[1], len(sel))
        x = to_size(torch.from_numpy(data["x"][sel, k].astype(np.float32))[:, None], size)
        model(x.to(next(model.parameters()).device))
    for m, mom in zip(bns, saved):
        m.momentum = mom
    model.eval()
    return len(idx)


def cpu_state(model) -> dict:
    return {k: v.detach().cpu() for k, v in model.state_dict().items()}


def model_bytes(model) -> int:
    return sum(t.numel() * t.element_size() for t in model.state_dict().values())


def evaluate_all(model, test, size, samplings=None, cam=False):
    out = {}
    pooled_p, pooled_y = [], []
    for name, d in test.items():
        p, hits = predict(model, d, size, samplings, cam=cam)
        out[name] = summarize(p, d["y"])
        if cam:
            out[name]["camPeakInLesion"] = [int(sum(hits.values())), len(hits)]
        if not next(s for s in SITES if s.name == name).held_out:
            pooled_p.append(p)
            pooled_y.append(d["y"])
    if pooled_p:
        out["internal"] = summarize(np.concatenate(pooled_p), np.concatenate(pooled_y))
    return out


def plan_rounds(done: int, planned: int, per_round: float, train_only: float, left: float,
                local_baselines: bool) -> int:
    """Total rounds that fit the budget after `done` rounds: the remaining federated rounds (`per_round` s each,
    training + evaluation), the local baselines (about `train_only` s per round for the same number of rounds)
    and the final evaluation (already out of `left`, the seconds left) must fit, i.e.
    (R - done) * per_round + R * train_only <= left. Never more than `planned` (the budget only shortens the plan,
    so the cosine schedule, recomputed over the new total, never reaches its floor before the last round and a
    quieter machine cannot stretch the run past the budget it was shortened for) and never fewer than `done`."""
    local = train_only if local_baselines else 0.0
    fit = int((left + done * per_round) // max(per_round + local, 1e-9))
    return max(done, min(planned, fit))


def run_federation(init_state, train, test, args, log, sites, label):
    """FedAvg over `sites` (one site = local-only training). Returns (model, history)."""
    model = DenseNet3D(drop_prob=args.dropblock)
    model.load_state_dict(init_state)
    model.to(args.device)
    weights = [len(train[s]["y"]) for s in sites]
    mbytes = model_bytes(model)
    history = []
    rng = np.random.default_rng(args.seed + sum(ord(c) for c in label))
    r = 0
    while r < args.rounds:   # args.rounds may change with the budget (see below)
        r += 1
        t0 = time.time()
        lr = cosine_lr(args.lr, r - 1, args.rounds)
        states, losses, seen = [], [], 0
        for s in sites:
            local = copy.deepcopy(model)
            loss, n_seen = train_local(local, train[s], args.local_epochs, lr, args.batch, args.sizes, rng,
                                       aux=args.aux, device=args.device, balance=args.balance)
            seen += n_seen
            if args.bn_refresh:   # client-side: fresh BatchNorm statistics of the trained weights before sending
                recalibrate_bn(local, train[s], args.bn_refresh, args.sizes[0], rng)
            states.append(cpu_state(local))
            losses.append(loss)
        agg = {}
        if len(sites) > 1:
            plain = fedavg(states, weights)
            if args.secure or r <= args.secure_rounds:
                secure, facts = secure_fedavg(states, weights, args.key_bits)
                diff = max(float((secure[k].double() - plain[k].double()).abs().max()) for k in plain
                           if plain[k].is_floating_point())
                facts["maxAbsDiffVsPlain"] = diff
                agg = {"secure": facts}
                log(f"[{label}] round {r}: Paillier aggregation {facts['seconds']} s, {facts['ciphertexts']} "
                    f"ciphertexts ({facts['ciphertextBytes'] / 1e6:.1f} MB vs {facts['plainBytes'] / 1e6:.1f} MB plain), "
                    f"max |secure - plain| = {diff:.2e}")
                new_state = secure
            else:
                new_state = plain
        else:
            new_state = states[0]
        model.load_state_dict(new_state)
        t_train = time.time() - t0
        entry = {"round": r, "lr": lr, "loss": dict(zip(sites, losses)), "trainSeconds": round(t_train, 1),
                 "sampleSteps": seen,
                 "bytesPerClient": 2 * r * mbytes, **agg}
        if args.eval_every and (r % args.eval_every == 0 or r == args.rounds) and len(sites) > 1:
            t1 = time.time()
            ev = evaluate_all(model, test, args.sizes[0], samplings=[test[next(iter(test))]["x"].shape[1] // 2])
            entry["eval"] = {k: {"macroAuc": v["macroAuc"], "covidAuc": v["covidAuc"], "accuracy": v["accuracy"]}
                             for k, v in ev.items()}
            entry["evalSeconds"] = round(time.time() - t1, 1)
        history.append(entry)
        msg = " ".join(f"{s}:{l:.3f}" for s, l in zip(sites, losses))
        ev_msg = ""
        if "eval" in entry:
            ev_msg = " | AUC " + " ".join(f"{k}:{v['macroAuc']:.3f}" for k, v in entry["eval"].items())
        log(f"[{label}] round {r}/{args.rounds} lr {lr:.2e} loss {msg} ({t_train:.0f} s){ev_msg}")
        if args.budget_minutes and len(sites) > 1 and r < args.rounds:
            # the latest round is the estimate (round 1 also pays for start-up); the budget may only shorten the plan
            per_round = time.time() - t0
            left = args.budget_minutes * 60 - (time.time() - args.t_start) - args.final_eval_minutes * 60
            total = plan_rounds(r, args.rounds, per_round, history[-1]["trainSeconds"], left, args.local_baselines)
            if total < args.rounds:
                log(f"[{label}] budget: {left / 60:.1f} min left, {per_round:.0f} s per round "
                    f"-> {total} rounds in all (was {args.rounds}); the local baselines get the same")
                args.rounds = total
            if r >= args.rounds:
                break
    return model, history


def calibrate(model, test: dict, size: int, log) -> tuple[float, dict]:
    """Fits the temperature on the internal sites' test sets only (the held-out site never informs it) and
    reports, per test set, the expected calibration error before and after plus the calibrated summary."""
    held = {s.name for s in SITES if s.held_out}
    logits = {k: predict_logits(model, d, size) for k, d in test.items()}
    fit_on = sorted(k for k in test if k not in held)
    t = fit_temperature(np.concatenate([logits[k] for k in fit_on]), np.concatenate([test[k]["y"] for k in fit_on]))
    out = {"temperature": t, "fittedOn": fit_on, "method": "temperature scaling, patient-level NLL", "sites": {}}
    for k, lg in logits.items():
        y = test[k]["y"]
        out["sites"][k] = {"eceBefore": ece(patient_probs(lg, 1.0), y), "eceAfter": ece(patient_probs(lg, t), y),
                           "calibrated": summarize(patient_probs(lg, t), y)}
    log(f"[fed] temperature {t:.3f} fitted on {fit_on}; ECE before/after: " + ", ".join(
        f"{k} {v['eceBefore']:.3f}/{v['eceAfter']:.3f}" for k, v in out["sites"].items()))
    return t, out


def plot_communication(results: dict, path: Path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hist = [h for h in results["federated"]["history"] if "eval" in h]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    mb = [h["bytesPerClient"] / 1e6 for h in hist]
    held = results["heldOut"]
    for key, style, name in (("internal", "o-", "federated, internal test sets (central sampling)"),
                             (held, "s-", f"federated, held-out site {held} (central sampling)")):
        ax.plot(mb, [h["eval"][key]["macroAuc"] for h in hist], style, label=name)
    final = results["federated"].get("final", {}).get("trainSize", {}).get(held)
    if final:
        ax.plot([mb[-1]], [final["macroAuc"]], "k*", ms=12,
                label=f"federated, held-out {held}, final (3 samplings averaged)")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (site, loc) in enumerate(results.get("local", {}).items()):
        ev = loc["final"]["trainSize"]
        ax.axhline(ev[held]["macroAuc"], ls="--", lw=1, color=colors[(i + 2) % len(colors)],
                   label=f"local-only {site}, held-out {held}, final (3 samplings averaged)")
    ax.set_xlabel("communication per client (MB, upload + download, float32 weights)")
    ax.set_ylabel("macro AUC")
    ax.set_title("UCADI 3D DenseNet on simulated sites: AUC vs communication")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=HERE / "cache")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--local-epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--sizes", type=lambda s: [int(v) for v in s.split(",")], default=[64],
                    help="training in-plane sizes (first = evaluation size during training)")
    ap.add_argument("--dropblock", type=float, default=0.1)
    ap.add_argument("--aux", type=float, default=1.0,
                    help="weight of the dense lesion-mask loss on the per-voxel class map (0 = image labels only)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", type=Path, default=None,
                    help="start from this checkpoint of ct/runs (its temperature undone) instead of random weights")
    ap.add_argument("--no-balance", dest="balance", action="store_false",
                    help="plain cross-entropy (default: inverse-frequency class weights per site)")
    ap.add_argument("--no-calibrate", dest="calibrate", action="store_false",
                    help="skip temperature scaling (default: fitted on the internal sites' test sets, baked into the "
                         "checkpoint's classifier)")
    ap.add_argument("--independent", type=Path, default=None,
                    help="npz of the independent generator (ct.phantom_b), evaluated at the end, never trained on")
    ap.add_argument("--secure", action="store_true", help="Paillier aggregation in every round")
    ap.add_argument("--secure-rounds", type=int, default=0, help="Paillier aggregation in the first N rounds")
    ap.add_argument("--key-bits", type=int, default=256)
    ap.add_argument("--local-baselines", action="store_true")
    ap.add_argument("--eval-every", type=int, default=1)
    ap.add_argument("--eval-contract", choices=["none", "fed", "all"], default="fed",
                    help="also evaluate at 16x128x128 (federated model only, or every model)")
    ap.add_argument("--bn-recal", type=int, default=0, help="cases per site for BN re-estimation at 128 (0 = off)")
    ap.add_argument("--bn-refresh", type=int, default=8,
                    help="cases per site for re-estimating BN statistics after each local training (0 = off)")
    ap.add_argument("--final-samplings", choices=["all", "central"], default="all",
                    help="final evaluation at the training size: mean of the 3 samplings or the central one")
    ap.add_argument("--contract-samplings", choices=["all", "central"], default="all",
                    help="evaluation at 16x128x128: mean of the 3 samplings or the central one")
    ap.add_argument("--budget-minutes", type=float, default=0,
                    help="stop federated rounds early when the projected total would exceed this (0 = off)")
    ap.add_argument("--final-eval-minutes", type=float, default=4, help="final evaluation estimate for --budget-minutes")
    ap.add_argument("--contract-sites", default="", help="test sets evaluated at 16x128x128 (comma list; empty = all)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (TF32 allowed on cuda)")
    ap.add_argument("--runs", type=Path, default=HERE / "runs")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    ap.add_argument("--name", default="fedavg")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    torch.manual_seed(args.seed)
    args.runs.mkdir(parents=True, exist_ok=True)
    args.results.mkdir(parents=True, exist_ok=True)
    log = log_to(args.results / f"{args.name}.log")
    t_start = time.time()
    args.t_start = t_start
    train, test = load_sites(args.cache)
    sites = sorted(train)
    held = [s.name for s in SITES if s.held_out and s.name in test]
    log(f"sites {sites} (train cases {[len(train[s]['y']) for s in sites]}), test sets "
        f"{ {k: len(v['y']) for k, v in test.items()} }, held out {held}; args {vars(args)}")
    init = DenseNet3D(drop_prob=args.dropblock)
    if args.init:
        init.load_state_dict(uncalibrated_state(torch.load(args.init, map_location="cpu")))
        log(f"initialised from {args.init} (a continuation: the curves and sample-step counts start there)")
    init_state = copy.deepcopy(init.state_dict())
    rounds_requested = args.rounds
    results = {"args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "t_start"},
               "generator": "ct/phantom.py with literature findings and domain randomisation (issue 13)",
               "params": count_parameters(init), "modelBytes": model_bytes(init), "heldOut": held[0] if held else None,
               "trainCases": {s: len(train[s]["y"]) for s in sites},
               "testCases": {k: len(v["y"]) for k, v in test.items()}}
    fed, hist = run_federation(init_state, train, test, args, log, sites, "fed")
    results["federated"] = {"history": hist}
    torch.save({"state_dict": cpu_state(fed), "trainedAt": args.sizes, "bnRecalibratedAt128": False,
                "results": args.name, "partial": True}, args.runs / f"{args.name}.pt")   # kept if the baselines die
    results["args"]["rounds"] = args.rounds
    results["roundsRequested"] = rounds_requested
    locals_ = {}
    if args.local_baselines:
        for s in sites:
            m, h = run_federation(init_state, train, test, args, log, [s], f"local-{s}")
            locals_[s] = m
            results.setdefault("local", {})[s] = {"history": h}
    t_train = time.time() - t_start
    log(f"training done in {t_train / 60:.1f} min")

    K = test[next(iter(test))]["x"].shape[1]
    train_samplings = None if args.final_samplings == "all" else [K // 2]
    contract_samplings = None if args.contract_samplings == "all" else [K // 2]
    results["evalSamplingsTrainSize"] = "mean of the studio's 3 samplings" if train_samplings is None else "central sampling only"
    results["evalSamplingsContract"] = "mean of the studio's 3 samplings" if contract_samplings is None else "central sampling only"

    contract_test = {k: v for k, v in test.items() if not args.contract_sites or k in args.contract_sites.split(",")}

    def final_eval(model, key_store, label, contract: bool, site_list):
        t0 = time.time()
        key_store["final"] = {"trainSize": evaluate_all(model, test, args.sizes[0], samplings=train_samplings,
                                                        cam=label == "fed")}
        if contract:
            m128 = model
            if args.bn_recal:
                key_store["final"]["contractNoRecal"] = evaluate_all(model, contract_test, 128, samplings=contract_samplings, cam=True)
                m128 = copy.deepcopy(model)
                rng = np.random.default_rng(args.seed + 99)
                states, w = [], []
                for s in site_list:
                    mm = copy.deepcopy(model)
                    w.append(recalibrate_bn(mm, train[s], args.bn_recal, 128, rng))
                    states.append(cpu_state(mm))
                m128.load_state_dict(fedavg(states, w))
                key_store["contractModel"] = m128
            key_store["final"]["contract"] = evaluate_all(m128, contract_test, 128, samplings=contract_samplings, cam=True)
        log(f"[{label}] final evaluation {time.time() - t0:.0f} s: " + json.dumps(
            {k: {m: round(v[k2][m], 3) for m in ("covidSensitivity", "covidSpecificity", "macroAuc")}
             for k, v in key_store["final"].items() for k2 in [results["heldOut"]] if k2 in v}))

    final_eval(fed, results["federated"], "fed", args.eval_contract in ("fed", "all"), sites)
    fed128 = results["federated"].pop("contractModel", fed)
    temperature = 1.0
    if args.calibrate:
        temperature, results["calibration"] = calibrate(fed, test, args.sizes[0], log)
    if args.independent and args.independent.exists():
        from .sites import load as load_npz
        indep = load_npz(args.independent)
        lg = predict_logits(fed, indep, args.sizes[0])
        results["independent"] = {"source": str(args.independent.name), "temperature": temperature,
                                  **summarize(patient_probs(lg, temperature), indep["y"])}
        log(f"[fed] independent generator: accuracy {results['independent']['accuracy']:.3f}, "
            f"confusion {results['independent']['confusion']}")
    for s, m in locals_.items():
        final_eval(m, results["local"][s], f"local-{s}", args.eval_contract == "all", [s])
        results["local"][s].pop("contractModel", None)
    results["seconds"] = {"training": round(t_train), "total": round(time.time() - t_start)}
    results["sampleSteps"] = {"federated": sum(h["sampleSteps"] for h in hist),
                              **{f"local-{s}": sum(h["sampleSteps"] for h in v["history"])
                                 for s, v in results.get("local", {}).items()}}
    torch.save({"state_dict": calibrated_state(fed128, temperature), "temperature": temperature,
                "trainedAt": args.sizes, "bnRecalibratedAt128": bool(args.bn_recal),
                "results": args.name}, args.runs / f"{args.name}.pt")
    for s, m in locals_.items():
        torch.save({"state_dict": cpu_state(m), "trainedAt": args.sizes}, args.runs / f"{args.name}_local_{s}.pt")
    (args.results / f"{args.name}.json").write_text(json.dumps(results, indent=1, default=float) + "\n")
    if any("eval" in h for h in hist) and results["heldOut"]:
        plot_communication(results, args.results / f"{args.name}_auc_vs_communication.png")
    log(f"done in {(time.time() - t_start) / 60:.1f} min -> {args.runs / (args.name + '.pt')}")


if __name__ == "__main__":
    main()
