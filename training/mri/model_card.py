"""MODEL_CARD.md for public/models/mri/dfnet, built only from files that scripts in training/ wrote:
results/metrics.json (evaluate.py), results/export.json (export.py), results/*_log.jsonl (train.py) and
results/finetune.json (finetune.py, when the shipped model was fine-tuned).
"""
from __future__ import annotations

import json
from pathlib import Path

from common.card import read_json, table

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _log_summary(name):
    p = RESULTS / f"{name}_log.jsonl"
    if not p.exists():
        return None
    recs = [json.loads(x) for x in p.read_text().splitlines() if x.strip()]
    cfg = next((r["config"] for r in recs if "config" in r), {})
    done = next((r for r in recs if r.get("done")), None)
    return cfg, done


def _ms(s, digits=3, pct=False):
    if not s or s.get("mean") is None:
        return "n/a"
    f = 100 if pct else 1
    return f"{s['mean'] * f:.{digits}f} ± {s['sd'] * f:.{digits}f}"


def heldout_table(metrics, names):
    h = metrics.get("heldoutPhantoms")
    if not h:
        return "(not evaluated)"
    shown = [(label, h[key]) for label, key in names if key in h]
    rows = table(["Model", "Dice RV", "Dice MYO", "Dice LV", "HD95 RV (mm)", "HD95 MYO (mm)", "HD95 LV (mm)", "EF abs error (points)"],
                 ([label, _ms(r["diceRV"]), _ms(r["diceMYO"]), _ms(r["diceLV"]), _ms(r["hd95RV"], 1), _ms(r["hd95MYO"], 1),
                   _ms(r["hd95LV"], 1), _ms(r["efAbsErrorPct"], 1)] for label, r in shown))
    undefined = sum(r[f"hd95{c}"]["nUndefined"] for _, r in shown for c in ("RV", "MYO", "LV"))
    n = h[names[0][1]]["diceLV"]["n"]
    rows.append("")
    rows.append(f"Seeds {h['seeds'][0]}–{h['seeds'][1]}, ED and ES frames: {n} volumes. Mean ± sd over volumes; 3D Dice "
                f"and 3D HD95 on the native grid (slice spacing included), after the contract pipeline and back. "
                f"HD95 undefined (structure missed or absent) in {undefined} class-volumes, left out of the HD95 means.")
    return "\n".join(rows)


def sunnybrook_section(metrics, names):
    sb = metrics.get("sunnybrook", {})
    if "skipped" in sb or not sb:
        return "(Sunnybrook data absent when evaluated)"
    shown = [(label, sb[key]) for label, key in names if key in sb]
    rows = table(["Model", "all slices", "patients 1–7", "patients 8–10", "median", "slices > 0.8"],
                 ([label, f"{_ms(r['lvDice'])} (n={r['lvDice']['n']})", _ms(r["lvDicePatients1to7"]), _ms(r["lvDicePatients8to10"]),
                   f"{r['lvDiceMedian']:.3f}", f"{100 * r['fractionAbove0.8']:.0f} %"] for label, r in shown))
    rows += ["", "Per patient (LV Dice per slice, mean ± sd):", ""]
    rows += table(["Patient", "n", *(label for label, _ in shown)],
                  ([patient, s["n"], *(_ms(r["lvDicePerPatient"][patient]) for _, r in shown)]
                   for patient, s in shown[0][1]["lvDicePerPatient"].items()))
    return "\n".join(rows)


def write_card(path: Path, export_facts: dict):
    metrics = read_json(RESULTS / "metrics.json") or {}
    finetune = read_json(RESULTS / "finetune.json")
    shipped = "dfnet_ft" if finetune else "dfnet"
    names = [("DF-Net (phantoms only)", "dfnet"), ("U-Net, same backbone (phantoms only)", "unet")]
    if finetune:
        names.append(("DF-Net + Sunnybrook 1–7 LV fine-tuning (shipped)", "dfnet_ft"))
    train_lines = []
    stems = {k: Path(v["checkpoint"]).stem for k, v in metrics.get("models", {}).items()}
    for n in ("dfnet", "unet"):
        phases = [(p, _log_summary(p)) for p in dict.fromkeys((stems.get(n, n),))]
        phases = [(p, v) for p, v in phases if v and v[1]]
        if not phases:
            continue
        cfg = phases[-1][1][0]
        iters = sum(v[1]["iters"] for _, v in phases)
        minutes = sum(v[1]["seconds"] for _, v in phases) / 60
        detail = " + ".join(f"{v[1]['iters']} it / {v[1]['seconds'] / 60:.0f} min (lr {v[0]['lr']:g})" for _, v in phases)
        follow = " in lock-step with DF-Net (same iterations and learning rates)" if cfg.get("follow") else ""
        where = (f"one CUDA GPU (an NVIDIA H200 lent to the project for one run; {cfg.get('workers', 0)} CPU processes "
                 f"augmenting batches)" if str(cfg.get("device", "cpu")).startswith("cuda") else "1 CPU thread")
        train_lines.append(f"  - {n}: {cfg['params']:,} parameters, {iters} iterations × batch {cfg['batch']} "
                           f"({iters * cfg['batch']:,} augmented slices from a cache of {cfg['cacheSlices']:,}) in "
                           f"{len(phases)} phase(s): {detail}; {minutes:.0f} min wall on {where}{follow}")
    if finetune:
        train_lines.append(f"  - dfnet_ft: DF-Net above, then {finetune['iters']} iterations ({finetune['seconds'] / 60:.0f} min) "
                           f"mixing phantom batches with Sunnybrook patients {finetune['patients']} ({finetune['slices']} slices, "
                           f"LV-only partial labels; see below)")
    fx = export_facts
    man = path.parent / "manifest.json"
    title = json.loads(man.read_text())["name"] if man.exists() else "DF-Net cardiac short-axis segmentation"
    ckpt = {k: v["checkpoint"] for k, v in metrics.get("models", {}).items()} or {"dfnet": "dfnet.pt", "unet": "unet.pt"}
    ckpt.setdefault(shipped, f"{shipped}.pt")
    eval_models = " ".join(f"--model {k}=mri/runs/{v}" for k, v in ckpt.items())
    seeds = metrics.get("heldoutPhantoms", {}).get("seeds", [0, 19])
    heldout = seeds[1] - seeds[0] + 1
    first = _log_summary(stems.get("dfnet", "dfnet"))
    cfg0 = first[0] if first else {}
    budget = cfg0.get("maxMinutes", 65)
    batch = cfg0.get("batch", 8)
    gpu = str(cfg0.get("device", "cpu")).startswith("cuda")
    iters_note = f"{first[1]['iters']} iterations in {budget:g} min" if first and first[1] else "see the logs"
    compute_head = ("the two models trained side by side on one GPU" if gpu
                    else "one CPU thread each, the two models trained in parallel on a 2-core machine")
    compute_diff = (f"trained on synthetic phantoms for {budget:g} minutes on one GPU" if gpu
                    else "trained on synthetic phantoms on a CPU for about an hour")
    ft_cmd = ""
    if finetune:
        src = finetune.get("from", "dfnet_gpu.pt")
        ft_cmd = ((f"/usr/bin/python3 -m mri.cache --subjects 1600 --per-subject 4 --processes 2 --out mri/cache/train.npz\n" if gpu else "")
                  + f"/usr/bin/python3 -m mri.finetune --checkpoint mri/runs/{src} --cache mri/cache/train.npz "
                  f"--name dfnet_ft --iters {finetune['iters']}   # CPU, 1 thread\n")
    if gpu:
        train_cmds = (f"bash mri/gpu_run.sh /tmp/out {budget:g}     # renders the cache, trains both models "
                      f"(DF-Net leads, the U-Net follows)\n"
                      f"tar -xzf /tmp/out/mri.tar.gz -C /tmp/out && cp /tmp/out/results/*_log.jsonl mri/results/\n"
                      f"for m in dfnet unet; do /usr/bin/python3 to_npz.py --back /tmp/out/results/${{m}}_gpu.npz "
                      f"mri/runs/${{m}}_gpu.pt; done\n")
    else:
        train_cmds = (f"/usr/bin/python3 -m mri.cache --subjects 1600 --per-subject 4 --processes 2 --out mri/cache/train.npz\n"
                      f"/usr/bin/python3 -m mri.train --arch dfnet --cache mri/cache/train.npz --name dfnet --iters 3000 --max-minutes {budget:g} &\n"
                      f"/usr/bin/python3 -m mri.train --arch unet --cache mri/cache/train.npz --name unet --iters 3000 --follow mri/results/dfnet_log.jsonl\n")
    text = f"""# {title}

| | |
|---|---|
| Task | Segment one short-axis cine MRI slice into background, RV cavity, myocardium, LV cavity (ACDC labels 0–3); the studio derives volumes, EF and LV mass from the stack |
| Architecture | DF-Net (Cheng et al., MICCAI 2020) on a slim 2D U-Net: 4 down-sampling levels, channels 16-32-64-128-256, conv-BN-ReLU ×2 per level, transposed-conv up-sampling; direction-field head (1×1 conv → 2) on the last full-resolution decoder feature; feature rectification and fusion (DF zeroed where ‖DF‖ ≤ 0.5, bilinear `GridSample` at p + DF(p) with border padding, shift_n = 1, concat → 1×1 conv 32→16 + BN + ReLU → 1×1 conv → 4) |
| Parameters | {fx['params']:,} (fp32) |
| File | `model.onnx`, {fx['bytes']:,} bytes, SHA-256 `{fx['sha256'][:16]}…`, ONNX opset {fx['opset']} (GridSample needs ≥ 16) |
| Weights | Trained by Loupe from scratch: `training/mri` in this repository ({'fine-tuned, see below' if finetune else 'synthetic phantoms only, no patient data'}) |
| Licence | Apache-2.0 (weights and code) |
| Parity | PyTorch vs onnxruntime-web (WASM, 1 thread) max abs diff {fx['parityMaxAbsDiff']:.2e} over logits and df (random, phantom and batch-2 96×160 inputs); tolerance {fx['parityTolerance']} |

## Intended use
A demo of in-browser segmentation of short-axis cine MRI: RV / myocardium / LV outlines, volumes and ejection fraction.
**Demo, not for clinical use**: not a medical device, not validated on real patients beyond the LV numbers below.

## Contract
- Input `image`: float32 NCHW `[batch, 1, height, width]`, height and width multiples of 16 (dynamic). One slice,
  resampled bilinearly to 1.5 mm/px, centre-cropped / zero-padded to 128×128 (192 mm field of view), then z-scored over
  the 128×128 crop (std floor 1e-6). Centre convention: input pixel centre ((rows−1)/2, (cols−1)/2) maps to the crop
  centre (63.5, 63.5). Reference implementation: `training/mri/preprocess.py`.
- Output `logits`: float32 `[batch, 4, height, width]`, classes background, RV, MYO, LV (argmax / softmax over axis 1).
  The LV cavity class includes papillary muscles and trabeculation (ACDC convention).
- Output `df`: float32 `[batch, 2, height, width]`, the predicted direction field in input pixels: channel 0 = x (to the
  right), channel 1 = y (down); about unit length inside structures, pointing away from the nearest boundary into the
  structure; about 0 on background.

## Training
- Data: synthetic short-axis cine SSFP phantoms (`training/mri/phantom.py`, deterministic by seed): thorax with
  subcutaneous fat and chest-wall muscle, lungs with vessels, liver, stomach, spleen, spine, aorta, other organs and
  fat planes; LV ring with varying wall thickness (hypertrophy, thinned infarct segments), papillary muscles and
  trabeculation, LV outflow tract at the base, RV crescent or ellipse with trabeculae, pericardial / epicardial fat;
  base→apex stacks (6–12 slices, 5–10 mm), 8–12 frames with EF from a contraction curve, through-plane partial
  volume, bias field, k-space truncation (blur, ringing), complex noise → Rician magnitude, 1.2–1.9 mm pixels,
  160–256 matrices. Training seeds < 900 000; held-out evaluation seeds from 1 000 000; the e2e fixture from 2 000 000.
- Augmentation (so that the contract works on real scans): rotation ±180°, scale ±15 %, translation ±12.5 %, flips,
  gamma, saturation/windowing, bias field, blur/sharpening, noise, 8-bit quantisation, black circular FOV borders.
- Loss: CE(seg) + 1.0 · DF loss + 0.1 · CE(aux); DF loss per pixel = ‖pred − gt‖² + (angle difference)², class-balanced
  over foreground classes, hardest 3 × #foreground background pixels. Ground-truth DF from the Euclidean distance
  transform per label region. Adam 1e-3, ×0.3 at 60 % and 85 % of the run (the larger of the iteration and
  wall-time fractions), gradient clipping 1.0, batch {batch}. The U-Net ran in lock-step with DF-Net (`--follow`): never
  ahead of its iteration, same learning rate at every step, stopped where it stopped.
- Compute ({compute_head}):
{chr(10).join(train_lines)}
- Loss curves: `training/mri/results/loss_curves.png`.

## Results
### Held-out phantoms: DF-Net vs U-Net of the same size
The same backbone, data, augmentation, schedule and number of iterations; the U-Net has a plain 1×1 head (parameter
counts within 0.1 %). This measures what the direction field and FRF add on this data.

{heldout_table(metrics, names)}

### Real scans: Sunnybrook LV (CC0, 10 patients, 196 slices)
LV Dice per slice against the Sunnybrook LV endocardium masks, through exactly the contract preprocessing
(PNG grey values, assumed 1.37 mm/px, 1.5 mm resampling, 128×128 crop, z-score) and mapped back to 256×256.
Sunnybrook masks are endocardial contours; papillary muscles may fall inside or outside them.

{sunnybrook_section(metrics, names)}

Use of Sunnybrook: patients are numbered 1–10 in sorted name order. {('Patients 1–7 were used as the development set while making the phantoms more realistic and for the LV-only fine-tuning of the shipped model (pixels inside their LV mask = LV, outside = not LV; RV / MYO / background unsupervised there); patients 8–10 were never trained on.' if finetune else 'Patients 1–7 served as the development set while making the phantoms more realistic (looking at their predictions); patients 8–10 were only evaluated. No Sunnybrook pixel was used for training.')}
The project keeps other real patients aside for an independent check.

## Differences from the paper
Channels 16…256 instead of 64…1024; 128×128 crops at 1.5 mm instead of 256×256; {compute_diff} instead of
ACDC; no test-time augmentation. The ACDC numbers of the paper are not comparable
with anything measured here.

## Limits
- Phantoms are not patients: RV and myocardium accuracy on real scans is unmeasured (Sunnybrook has LV labels only).
- Basal slices (outflow tract, atria) and apical slices are the weakest on real scans; check the outlines, not only the numbers.
- Spacing matters: the model expects 1.5 mm/px after resampling; wrong DICOM/NIfTI spacing changes the apparent heart size.
- Volumes and EF need a complete base→apex stack with correct slice spacing; this model does not check coverage.
- Not for clinical use.

## Reproduce
The wall-time budget makes the iteration count depend on the machine ({iters_note}). The same code trains on a CPU
(`mri.cache` then `mri.train` without `--device`, see `training/README.md`).
```sh
training/setup.sh
cd training
{train_cmds}{ft_cmd}/usr/bin/python3 -m mri.evaluate --heldout {heldout} {eval_models}
/usr/bin/python3 -m mri.export --checkpoint mri/runs/{ckpt[shipped]} --out ../public/models/mri/dfnet
```
"""
    path.write_text(text)
    update_readme(names, metrics, fx, train_lines)


def update_readme(names, metrics, fx, train_lines, readme: Path = HERE.parent / "README.md"):
    """Replace the block between the results markers of training/README.md with the current tables."""
    if not readme.exists():
        return
    block = "\n".join([
        "Training compute:", "", *train_lines, "",
        f"Export: {fx['bytes']:,} bytes, {fx['params']:,} parameters, opset {fx['opset']}; parity max abs diff "
        f"{fx['parityMaxAbsDiff']:.2e} (onnxruntime-web WASM vs PyTorch).", "",
        "Held-out phantoms (DF-Net vs U-Net):", "", heldout_table(metrics, names), "",
        "Sunnybrook LV Dice per slice:", "", sunnybrook_section(metrics, names), "",
        "Loss curves: `mri/results/loss_curves.png`.",
    ])
    text = readme.read_text()
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        readme.write_text(head + start + "\n" + block + "\n" + end + tail)
