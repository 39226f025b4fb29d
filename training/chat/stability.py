"""Pangu Ultra's stability claim at small scale: one deep, narrow model trained with the same data order and seed,
at an aggressive learning rate, with different normalisation / initialisation; loss and grad-norm spikes counted.

    /usr/bin/python3 -m chat.stability --data chat/data --out chat/runs/stability --device cuda --steps 600 \\
        --max-minutes 2 [--only pre,dssn]        # runs the configs (sequentially), then writes the report
    /usr/bin/python3 -m chat.stability --out chat/runs/stability --report      # report from finished configs only

Configs (name = norm-init): pre-normal (the common GPT/Llama baseline), pre-tiny, sandwich-normal, dssn-tiny
(Pangu Ultra: depth-scaled sandwich norm + TinyInit). Default model: hidden 128, 16 layers, 4 heads / 2 KV heads,
FFN 352, lr 8e-3, warm-up 20 steps, cosine over --steps (not time: a run cut by --max-minutes is only truncated,
so the curves stay comparable step by step); train.py defaults otherwise (LM weight 0.1, wd 0.1, clip 1.0).

Spikes: a loss spike at step t is loss[t] > k x median(loss[t-50:t]) (k = --k, 1.5; needs >= 10 previous steps);
a grad-norm spike is grad_norm[t] > k_g x median(grad_norm[t-50:t]) (k_g = --kg, 3). Divergence: a non-finite loss,
or the mean loss of the last 10% of steps not below 0.9 x the mean of the first 10% ("not improving").
Writes stability.json, stability.png (loss and grad norm per config) and stability.md (a table).
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from pathlib import Path

from . import train as T

CONFIGS = {"pre-normal": ("pre", "normal"), "pre-tiny": ("pre", "tiny"), "sandwich-normal": ("sandwich", "normal"),
           "dssn-tiny": ("dssn", "tiny")}
DEFAULT_ONLY = "pre-normal,pre-tiny,sandwich-normal,dssn-tiny"


def count_spikes(values: list[float], k: float = 1.5, window: int = 50, min_history: int = 10) -> list[int]:
    """Steps t with values[t] > k x median(values[t-window:t]) (finite history only). A non-finite value counts."""
    out = []
    for t in range(len(values)):
        v = values[t]
        hist = [h for h in values[max(0, t - window):t] if math.isfinite(h)]
        if not math.isfinite(v):
            out.append(t)
        elif len(hist) >= min_history and v > k * statistics.median(hist):
            out.append(t)
    return out


def diverged(loss: list[float]) -> tuple[bool, str]:
    if not loss:
        return True, "no steps"
    if not all(math.isfinite(v) for v in loss):
        return True, "non-finite loss"
    n = max(1, len(loss) // 10)
    first, last = sum(loss[:n]) / n, sum(loss[-n:]) / n
    if last >= 0.9 * first:
        return True, f"not improving ({first:.3f} -> {last:.3f})"
    return False, ""


def summarize(name: str, log: dict, k: float, kg: float) -> dict:
    loss, gn = log["loss"], log["grad_norm"]
    ls, gs = count_spikes(loss, k), count_spikes(gn, kg)
    div, why = diverged(loss)
    n = max(1, len(loss) // 10)
    fin = [v for v in loss[-n:] if math.isfinite(v)]
    ev = log.get("eval") or [{}]
    return {"config": name, "norm": log["config"]["norm"], "init": log["config"]["init"], "steps": len(loss),
            "loss_spikes": len(ls), "loss_spike_steps": ls[:50], "grad_spikes": len(gs), "grad_spike_steps": gs[:50],
            "diverged": div or log.get("diverged", False), "divergence": why or ("nan" if log.get("diverged") else ""),
            "final_loss": sum(fin) / len(fin) if fin else float("nan"),
            "max_grad_norm": max((g for g in gn if math.isfinite(g)), default=float("nan")),
            "median_grad_norm": statistics.median([g for g in gn if math.isfinite(g)]) if gn else float("nan"),
            "heldout_answer_loss": ev[-1].get("heldout_answer_loss"), "tokens_per_second": log.get("tokens_per_second"),
            "parameters": log.get("parameters")}


def report(out: Path, k: float, kg: float) -> dict:
    logs = {}
    for name in CONFIGS:
        p = out / name / "log.json"
        if p.exists():
            logs[name] = json.loads(p.read_text())
    # configs cut by --max-minutes can differ in length: compare them over the steps all of them reached
    common = min((len(l["loss"]) for l in logs.values()), default=0)
    done = {n: len(l["loss"]) for n, l in logs.items()}
    for l in logs.values():
        for key in ("step", "loss", "answer_loss", "other_loss", "grad_norm", "lr", "time"):
            l[key] = l[key][:common]
    rows = [summarize(n, l, k, kg) for n, l in logs.items()]
    for r in rows:
        r["steps_done"] = done[r["config"]]
    res = {"k_loss": k, "k_grad": kg, "window": 50, "common_steps": common, "configs": rows}
    if logs:
        any_log = next(iter(logs.values()))
        res["setup"] = {key: any_log["args"].get(key) for key in ("hidden", "layers", "heads", "kv_heads", "ffn", "seq", "batch",
                                                                 "lr", "warmup", "seed", "steps")}
    (out / "stability.json").write_text(json.dumps(res, indent=1) + "\n")
    lines = ["| config | steps compared of run | loss spikes | grad-norm spikes | diverged | final loss | held-out answer loss | median / max grad norm |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        hl = r["heldout_answer_loss"]
        lines.append(f"| {r['config']} | {r['steps']} of {r['steps_done']} | {r['loss_spikes']} | {r['grad_spikes']} | "
                     f"{'yes: ' + r['divergence'] if r['diverged'] else 'no'} | {r['final_loss']:.3f} | "
                     f"{'-' if hl is None else f'{hl:.3f}'} | {r['median_grad_norm']:.2f} / {r['max_grad_norm']:.2f} |")
    setup = res.get("setup", {})
    md = (f"# Stability: norm x init at an aggressive learning rate\n\nSetup: {json.dumps(setup)}. Loss spike: loss > {k} x "
          f"median of the previous 50 steps; grad-norm spike: > {kg} x median; compared over the first {common} steps (reached by "
          f"every config; held-out loss is at each run's end).\n\n" + "\n".join(lines) + "\n")
    (out / "stability.md").write_text(md)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # the GPU machine may lack it: plot here afterwards with --report
        print("[stability] matplotlib missing: no stability.png (run --report where it is installed)", flush=True)
        logs = {}
    if logs:
        fig, ax = plt.subplots(2, 1, figsize=(10, 8), sharex=True)
        for name, l in logs.items():
            ax[0].plot(l["step"], l["loss"], lw=0.8, label=name)
            ax[1].plot(l["step"], l["grad_norm"], lw=0.8, label=name)
        ax[0].set_ylabel("training loss"); ax[1].set_ylabel("grad norm (before clipping)"); ax[1].set_yscale("log")
        ax[1].set_xlabel("step"); ax[0].legend(); ax[0].grid(alpha=0.3); ax[1].grid(alpha=0.3)
        ax[0].set_title(f"{setup.get('layers')} layers x {setup.get('hidden')} hidden, lr {setup.get('lr')}")
        fig.tight_layout()
        fig.savefig(out / "stability.png", dpi=110)
        plt.close(fig)
    print(md, flush=True)
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("chat/data"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--only", default=DEFAULT_ONLY, help=f"comma-separated subset of {','.join(CONFIGS)} (or norm names)")
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--max-minutes", type=float, default=0.0, help="total budget, split evenly over the configs run")
    T.add_model_args(ap, hidden=128, layers=16, heads=4, kv_heads=2, ffn=352, seq=256, batch=32)
    ap.add_argument("--lr", type=float, default=8e-3)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-every", type=int, default=0)
    ap.add_argument("--k", type=float, default=1.5)
    ap.add_argument("--kg", type=float, default=3.0)
    ap.add_argument("--report", action="store_true", help="only aggregate the finished configs under --out")
    ap.add_argument("--no-report", action="store_true", help="run the configs only (for concurrent processes)")
    args = ap.parse_args(argv)
    if not args.report:
        alias = {"pre": "pre-normal", "sandwich": "sandwich-normal", "dssn": "dssn-tiny"}
        names = [alias.get(n.strip(), n.strip()) for n in args.only.split(",") if n.strip()]
        for n in names:
            assert n in CONFIGS, f"unknown config {n}"
        per = args.max_minutes / len(names) if args.max_minutes else 0.0
        for name in names:
            norm, init = CONFIGS[name]
            targs = T.parser().parse_args([
                "--data", str(args.data), "--out", str(args.out / name), "--device", args.device, "--norm", norm, "--init", init,
                "--hidden", str(args.hidden), "--layers", str(args.layers), "--heads", str(args.heads), "--kv-heads", str(args.kv_heads),
                "--ffn", str(args.ffn), "--seq", str(args.seq), "--batch", str(args.batch), "--steps", str(args.steps),
                "--lr", str(args.lr), "--warmup", str(args.warmup), "--seed", str(args.seed), "--max-minutes", str(per),
                "--log-every", "25", "--schedule", "steps", "--eval-every", str(args.eval_every), "--eval-batches", "4", "--quiet"])
            t = time.time()
            log = T.run(targs)
            print(f"[stability] {name}: {log['steps_done']} steps in {time.time() - t:.0f} s, final loss "
                  f"{log['loss'][-1] if log['loss'] else float('nan'):.3f}, stopped by {log['stopped']}", flush=True)
    if not args.no_report:
        report(args.out, args.k, args.kg)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
