"""Loss curves and validation Dice from the training logs (CLI): results/loss_curves.png.

    /usr/bin/python3 -m mri.plots --log dfnet=mri/results/dfnet_log.jsonl --log unet=mri/results/unet_log.jsonl
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent


def read_log(path: Path):
    recs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in recs if "it" in r], next((r for r in recs if r.get("done")), None)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--log", action="append", required=True, help="name=path/to/log.jsonl")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "loss_curves.png")
    args = ap.parse_args(argv)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for spec in args.log:
        name, path = spec.split("=", 1)
        recs, _ = read_log(Path(path))
        it = [r["it"] for r in recs]
        axes[0].plot(it, [r["seg"] for r in recs], label=f"{name}: CE(seg)")
        if "df" in recs[0]:
            axes[0].plot(it, [r["total"] for r in recs], label=f"{name}: total", alpha=0.7)
            axes[1].plot(it, [r["df"] for r in recs], label=f"{name}: DF loss")
            axes[1].plot(it, [r["aux"] for r in recs], label=f"{name}: CE(aux)")
        val = [r for r in recs if "val" in r]
        for cls, style in (("LV", "-"), ("MYO", "--"), ("RV", ":")):
            axes[2].plot([r["it"] for r in val], [r["val"][cls] for r in val], style, label=f"{name} {cls}")
    axes[0].set(title="training loss (batch mean per 20 it)", xlabel="iteration", yscale="log")
    axes[1].set(title="DF-Net: direction-field and auxiliary losses", xlabel="iteration", yscale="log")
    axes[2].set(title="Dice on 64 validation phantom slices", xlabel="iteration", ylim=(0, 1))
    for a in axes:
        a.grid(alpha=0.3)
        a.legend(fontsize=7)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(args.out)


if __name__ == "__main__":
    main()
