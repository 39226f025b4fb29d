"""MODEL_CARD.md for public/models/mri/dfnet, built only from files that scripts in training/ wrote:
results/metrics.json (evaluate.py), results/export.json (export.py), results/*_log.jsonl (train.py) and
results/finetune.json (finetune.py, when the shipped model was fine-tuned).
"""
from __future__ import annotations

import json
from pathlib import Path

from common.card import fmt, read_json, table

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


# The card's "Intended use" and "Contract" sections, the same for every DF-Net this project ships.
USE_AND_CONTRACT = """## Intended use
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

"""


def _log_summary(name, folder: Path = RESULTS):
    p = folder / f"{name}_log.jsonl"
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
    if "independentPhantoms" in metrics:
        return write_card_dr(path, export_facts, metrics)
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

{USE_AND_CONTRACT}## Training
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
    if "independentPhantoms" in metrics:
        block = "\n".join([
            "Training compute:", "", *train_lines, "",
            f"Export: {fx['bytes']:,} bytes, {fx['params']:,} parameters, opset {fx['opset']}; parity max abs diff "
            f"{fx['parityMaxAbsDiff']:.2e} (onnxruntime-web WASM vs PyTorch).", "",
            "Held-out phantoms (training generator), in lock-step:", "", phantom_table(metrics, "heldoutPhantoms", names), "",
            "Independent generator (phantom_b.py), in lock-step:", "", phantom_table(metrics, "independentPhantoms", names), "",
            "Sunnybrook LV Dice per slice:", "", sunnybrook_section(metrics, names), "",
            f"Decision: {decision_text(metrics)}",
        ])
    else:
        block = None
    block = block or "\n".join([
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


# ------------------------------------------------------------------------------------------------------------------
# The card after the domain-randomisation comparison (ship_dr.sh): metrics.json holds the shipped model as dfnet_ft,
# the other candidates beside it, and three test sets (held-out phantoms, the independent generator, Sunnybrook).
DR_LABELS = {
    "dfnet_ft": "shipped",
    "dfnet_ft_v1": "v1: GPU phantoms + Sunnybrook fine-tuning (shipped before)",
    "dfnet_dr": "DR: v1 + domain-randomised training (before fine-tuning)",
    "dfnet_dr_ft": "DR + Sunnybrook fine-tuning (candidate, not shipped)",
}


def dr_names(metrics):
    ship = metrics.get("decision", {}).get("ship", False)
    first = ("DR + Sunnybrook fine-tuning (shipped)" if ship else "v1: GPU phantoms + Sunnybrook fine-tuning (shipped)")
    keys = [k for k in ("dfnet_ft", "dfnet_ft_v1", "dfnet_dr_ft", "dfnet_dr") if k in metrics.get("models", {})]
    return [(first if k == "dfnet_ft" else DR_LABELS[k], k) for k in keys]


def phantom_table(metrics, key, names):
    h = metrics.get(key)
    if not h:
        return "(not evaluated)"
    shown = [(label, h[k]) for label, k in names if k in h]
    rows = table(["Model", "Dice RV", "Dice MYO", "Dice LV", "mean Dice", "HD95 RV (mm)", "HD95 MYO (mm)", "HD95 LV (mm)",
                  "EF abs error (points)", "LV volume error (%)", "EDV error (mL)", "LV mass error (g)"],
                 ([label, _ms(r["diceRV"]), _ms(r["diceMYO"]), _ms(r["diceLV"]), f"{r['meanDice']:.3f}", _ms(r["hd95RV"], 1),
                   _ms(r["hd95MYO"], 1), _ms(r["hd95LV"], 1), _ms(r["efAbsErrorPct"], 1), _ms(r["lvVolRelErrorPct"], 1),
                   _ms(r["edvAbsErrorMl"], 1), _ms(r.get("lvMassAbsErrorG"), 1)] for label, r in shown))
    undefined = sum(r[f"hd95{c}"]["nUndefined"] for _, r in shown for c in ("RV", "MYO", "LV"))
    n = shown[0][1]["diceLV"]["n"] if shown else 0
    rows.append("")
    rows.append(f"Seeds {h['seeds'][0]}–{h['seeds'][1]}, ED and ES frames: {n} volumes, the same for every model. Mean ± sd "
                f"over volumes; 3D Dice and 3D HD95 on the native grid (slice spacing included), after the contract pipeline "
                f"and back. LV volume error = |predicted − true| / true at ED and ES; LV mass error = |myocardial volume at "
                f"ED × 1.05 g/mL − true mass|. HD95 undefined in {undefined} "
                f"class-volumes, left out of the HD95 means.")
    return "\n".join(rows)


def decision_text(metrics):
    d = metrics.get("decision")
    if not d:
        return "n/a"
    parts = [f"{k}: v1 {c['v1']:.4f}, DR + fine-tuning {c['dr_ft']:.4f} ({'pass' if c['pass'] else 'fail'})"
             for k, c in d["checks"].items()]
    t = d["target"]
    verdict = ("the domain-randomised model replaced v1" if d["ship"] else "v1 stays shipped; the domain-randomised "
               "candidate is reported beside it")
    return (f"rule: {d['rule']}. " + "; ".join(parts) + f". Verdict: {verdict}. Target ({t['rule']}) for the shipped "
            f"model: mean Dice {t['independentMeanDice']:.3f}, LV volume error {t['lvVolRelErrorPct']:.1f} % — "
            f"{'met' if t['met'] else 'not met'}.")


def _phase_line(name, label, where="1 CPU thread"):
    s = _log_summary(name)
    if not s or not s[1]:
        return None
    cfg, done = s
    dev = ("one CUDA GPU (an NVIDIA H200 lent to the project for one run)" if str(cfg.get("device", "cpu")).startswith("cuda")
           else where)
    return (f"  - {label}: {done['iters']} iterations × batch {cfg['batch']} ({done['iters'] * cfg['batch']:,} augmented "
            f"slices from a cache of {cfg['cacheSlices']:,}), lr {cfg['lr']:g} with ×0.3 steps at 60 % and 85 %, "
            f"{done['seconds'] / 60:.0f} min wall on {dev}")


REFUSAL = HERE.parent.parent / "bench" / "results" / "mri-refusal.json"


def refusal_section() -> str:
    """What the studio refuses and its anatomical clean-up, from scripts/mri-refusal.ts (app side, same model)."""
    if not REFUSAL.exists():
        return ""
    s = json.loads(REFUSAL.read_text())["summary"]
    sb = s.get("sunnybrookLvDice")
    held = sb.get("heldOutPatients8to10") if isinstance(sb, dict) else None
    tune = sb.get("fineTunePatients1to7") if isinstance(sb, dict) else None
    lines = [
        "### What the studio refuses, and its anatomical clean-up (measured by `npx tsx scripts/mri-refusal.ts`)",
        "The studio cleans the labels (one LV pool in its myocardial ring nearest the heart centre, holes filled, RV at the "
        "septum, no specks) and refuses inputs that are not a cardiac short-axis MRI (modality, field of view, pixel size; "
        "no LV pool, labels covering the slice, pools without a ring): `src/tasks/mri/core/anatomy.ts`.",
        f"- Refused, as they should be: {len(s['refusals'])} of {s['refused']} non-cardiac test files of Debian's nibabel and pydicom"
        f" ({'; '.join(r.split(':')[0] + ' ' + r.split(':')[1].split()[0] for r in s['refusals'])}).",
        f"- False refusals: {fmt(100 * s['falseRejectRate'], 1)} % of {s['accepted']} inputs that must pass (the phantom cine and every real "
        f"Sunnybrook slice judged alone){'; where the model was wrong anyway: ' + s['falseRejectsWhereTheModelWasWrong'] if 'falseRejectsWhereTheModelWasWrong' in s else ''}.",
    ]
    if held and tune:
        lines.append(
            f"- Sunnybrook LV Dice with / without the clean-up: patients 8–10 (never trained on) {fmt(held['postprocessOn'], 3)} / "
            f"{fmt(held['postprocessOff'], 3)} ({held['slices']} slices); patients 1–7 (fine-tuning) {fmt(tune['postprocessOn'], 3)} / "
            f"{fmt(tune['postprocessOff'], 3)} ({tune['slices']} slices)."
        )
    ph = s.get("phantomDiceRvMyoLv")
    if ph:
        lines.append(f"- Phantom cine (e2e fixture) Dice RV / MYO / LV with / without: {' / '.join(fmt(v, 2) for v in ph['postprocessOn'])} and "
                     f"{' / '.join(fmt(v, 2) for v in ph['postprocessOff'])}.")
    return "\n".join(lines) + "\n"


SETS = ("heldoutPhantoms", "independentPhantoms", "sunnybrook")


def _ablation_summary(merged: dict) -> str:
    """DF-Net minus U-Net per set, without and with the fine-tuning."""
    def gap(key, a, b):
        if key == "sunnybrook":
            return merged[key][a]["lvDice"]["mean"] - merged[key][b]["lvDice"]["mean"]
        return merged[key][a]["meanDice"] - merged[key][b]["meanDice"]
    parts = [f"{label} {gap(k, 'dfnet_dr', 'unet_dr'):+.3f} / {gap(k, 'dfnet_dr_ft', 'unet_dr_ft'):+.3f}"
             for label, k in (("held-out phantoms (mean Dice)", "heldoutPhantoms"),
                              ("independent generator (mean Dice)", "independentPhantoms"),
                              ("Sunnybrook (LV Dice, all slices)", "sunnybrook"))]
    return ("DF-Net minus U-Net, without / with the Sunnybrook fine-tuning: " + "; ".join(parts) + ". The direction "
            "field helps on both phantom sets, most on the independent generator (RV and MYO); on the real LV slices "
            "the two are level before fine-tuning and the U-Net is ahead after it.")


def ablation_section(metrics: dict, v1_metrics: dict | None) -> str:
    """DF-Net vs the plain U-Net: the lock-step re-run of the domain-randomisation round (ablation_dr.sh, when its
    results/ablation/compare.json exists) and v1's GPU ablation (results/metrics_v1.json)."""
    out = ""
    folder = RESULTS / "ablation"
    abl = read_json(folder / "compare.json")
    # The DF-Net side of the ablation is the DR candidate (dfnet_dr, dfnet_dr_ft: v1 stayed shipped when it ran).
    if abl and all(k in abl and k in metrics and {"dfnet_dr", "dfnet_dr_ft"} <= set(metrics[k]) for k in SETS):
        merged = {k: {**metrics[k], **{m: abl[k][m] for m in ("unet_dr", "unet_dr_ft") if m in abl[k]}} for k in SETS}
        names = [("DF-Net, DR", "dfnet_dr"), ("U-Net, DR", "unet_dr"), ("DF-Net, DR + Sunnybrook fine-tuning", "dfnet_dr_ft"),
                 ("U-Net, DR + Sunnybrook fine-tuning", "unet_dr_ft")]
        # v1 was evaluated again beside the U-Nets: the same numbers as in the main comparison show the sets are the same.
        diffs = [abs(abl[k]["v1"]["meanDice"] - metrics[k]["dfnet_ft"]["meanDice"]) for k in SETS[:2] if "v1" in abl[k]]
        diffs += [abs(abl["sunnybrook"]["v1"]["lvDice"]["mean"] - metrics["sunnybrook"]["dfnet_ft"]["lvDice"]["mean"])]
        summary = _log_summary("unet_dr", folder)
        ft = read_json(folder / "finetune.json")
        compute = ""
        if summary and summary[1]:
            cfg, done = summary
            compute = (f" The U-Net trained {done['iters']} iterations × batch {cfg['batch']} in lock-step with the DF-Net DR run "
                       f"(the same learning rate at every iteration), {done['seconds'] / 60:.0f} min on 1 CPU thread"
                       + (f", then the same {ft['iters']}-iteration Sunnybrook fine-tuning ({ft['seconds'] / 60:.0f} min)." if ft else "."))
        out += ("\n### The DF-Net vs U-Net ablation, domain-randomisation round (`training/mri/ablation_dr.sh`)\n"
                "The plain U-Net is DF-Net without the direction-field head and the feature rectification and fusion. Both "
                "start from v1's weights (the U-Net gets v1's backbone and its auxiliary segmentation head as classifier: "
                "`dfnet.unet_from_dfnet`), see the same domain-randomised batches (same cache, seeds, batch size and "
                "learning rates), get the same Sunnybrook LV fine-tuning and are evaluated on the same cases. So this "
                "measures what the direction field adds in this round, not a training from scratch." + compute +
                f" v1 was evaluated again alongside the U-Nets: its numbers differ from the table above by at most "
                f"{max(diffs):.4f} (mean Dice, LV Dice), so the cases are the same.\n\n" + _ablation_summary(merged) + "\n\n"
                "Held-out phantoms:\n\n" + phantom_table(merged, "heldoutPhantoms", names) +
                "\n\nIndependent generator:\n\n" + phantom_table(merged, "independentPhantoms", names) +
                "\n\nSunnybrook LV:\n\n" + sunnybrook_section(merged, names) + "\n")
    if v1_metrics and "heldoutPhantoms" in v1_metrics:
        old = [("DF-Net (phantoms only)", "dfnet"), ("U-Net, same backbone (phantoms only)", "unet"),
               ("DF-Net + Sunnybrook 1–7 LV fine-tuning (v1)", "dfnet_ft")]
        out += ("\n### The DF-Net vs U-Net ablation of v1 (GPU, from scratch)\nBoth trained from scratch on the training "
                "generator in lock-step on one GPU, classic augmentation. From `results/metrics_v1.json`, held-out phantoms:\n\n"
                + heldout_table(v1_metrics, old) + "\n")
    return out


def write_card_dr(path: Path, fx: dict, metrics: dict):
    names = dr_names(metrics)
    ship = metrics.get("decision", {}).get("ship", False)
    ft_v1 = read_json(RESULTS / "finetune.json")
    ft_dr = read_json(RESULTS / "finetune_dr.json")
    v1_metrics = read_json(RESULTS / "metrics_v1.json")
    lines = []
    v1 = _phase_line("dfnet_gpu", "v1 DF-Net on phantoms (phantom.py, classic augmentation)")
    if v1:
        lines.append(v1)
    if ft_v1:
        lines.append(f"  - v1 fine-tuning: {ft_v1['iters']} iterations ({ft_v1['seconds'] / 60:.0f} min, 1 CPU thread) mixing "
                     f"phantom batches with Sunnybrook patients {ft_v1['patients']} ({ft_v1['slices']} slices, LV-only labels)")
    dr_stem = Path(metrics["models"].get("dfnet_dr", {}).get("checkpoint", "dfnet_dr.pt")).stem
    dr = _phase_line(dr_stem, "DR: v1's weights, then domain-randomised training")
    if dr:
        lines.append(dr)
    if ft_dr:
        lines.append(f"  - DR fine-tuning: {ft_dr['iters']} iterations ({ft_dr['seconds'] / 60:.0f} min, 1 CPU thread) mixing "
                     f"domain-randomised phantom batches with Sunnybrook patients {ft_dr['patients']} ({ft_dr['slices']} "
                     f"slices, LV-only labels)")
    lineage = ("v1's weights (rebuilt exactly from its model.onnx by `from_onnx.py`: BatchNorm folded into the convolutions, "
               "re-calibrated for training) → domain-randomised training → Sunnybrook LV fine-tuning" if ship else
               "DF-Net trained on phantoms on one GPU, then Sunnybrook LV fine-tuning (v1, unchanged)")
    man = path.parent / "manifest.json"
    title = json.loads(man.read_text())["name"] if man.exists() else "DF-Net cardiac short-axis segmentation"
    dr_log = _log_summary(dr_stem)
    p_synth = (dr_log[0].get("pSynth") if dr_log else None) or 0.5
    ablation = ablation_section(metrics, v1_metrics)
    ckpts = {k: v["checkpoint"] for k, v in metrics["models"].items()}
    text = f"""# {title}

| | |
|---|---|
| Task | Segment one short-axis cine MRI slice into background, RV cavity, myocardium, LV cavity (ACDC labels 0–3); the studio derives volumes, EF and LV mass from the stack |
| Architecture | DF-Net (Cheng et al., MICCAI 2020) on a slim 2D U-Net: 4 down-sampling levels, channels 16-32-64-128-256, conv-BN-ReLU ×2 per level, transposed-conv up-sampling; direction-field head (1×1 conv → 2) on the last full-resolution decoder feature; feature rectification and fusion (DF zeroed where ‖DF‖ ≤ 0.5, bilinear `GridSample` at p + DF(p) with border padding, shift_n = 1, concat → 1×1 conv 32→16 + BN + ReLU → 1×1 conv → 4) |
| Parameters | {fx['params']:,} (fp32) |
| File | `model.onnx`, {fx['bytes']:,} bytes, SHA-256 `{fx['sha256'][:16]}…`, ONNX opset {fx['opset']} (GridSample needs ≥ 16) |
| Weights | Trained by Loupe: `training/mri` in this repository; {lineage} |
| Licence | Apache-2.0 (weights and code) |
| Parity | PyTorch vs onnxruntime-web (WASM, 1 thread) max abs diff {fx['parityMaxAbsDiff']:.2e} over logits and df (random, phantom and batch-2 96×160 inputs); tolerance {fx['parityTolerance']} |

{USE_AND_CONTRACT}## Training
- Data: synthetic short-axis cine SSFP phantoms (`training/mri/phantom.py`, deterministic by seed; training seeds
  < 900 000). v1 used the classic augmentation (rotation, scale ±15 %, flips, gamma, windowing, bias field, blur,
  noise, quantisation, circular FOV).
- Domain randomisation (`training/mri/domain_rand.py`, in the spirit of SynthSeg, Billot et al. 2023): per slice,
  rotation ±180°, scale 0.75–1.35 with ±10 % anisotropy, flips, translation ±12.5 %, elastic deformation; then ({p_synth:.0%})
  an image drawn from the label map: RV / MYO / LV (split into blood and trabeculae / papillary muscles) and 3–8
  intensity classes of the surrounding anatomy each get a random mean and spread (cavity–myocardium contrast kept
  ≥ 0.12), drawn on five depth planes (−5 … +5 mm label maps) and averaged over a random slice thickness 5–10 mm
  (through-plane partial volume); or ({1 - p_synth:.0%}) the rendered phantom through a random intensity curve; random extra
  "organs" around the heart; in-plane resolution 0.6–2.5 mm (PSF, down/up-sampling), bias field, gamma, contrast
  inversion, k-space truncation (ringing), motion ghosts, spikes, Rician noise, quantisation, circular / rectangular
  fields of view. Unit tests: `training/mri/tests/test_domain_rand.py`.
- Loss: CE(seg) + 1.0 · DF loss + 0.1 · CE(aux); Adam, gradient clipping 1.0. Sunnybrook fine-tuning: LV-only partial
  labels of patients 1–7 (binary CE on the LV probability + DF loss inside the LV mask), mixed 1:1 with phantom batches.
- Compute:
{chr(10).join(lines)}

## Results: the shipped model and the candidates, in lock-step
Every model below saw exactly the same cases through the same contract pipeline (`training/mri/evaluate.py`;
v1 evaluated from its rebuilt PyTorch weights, identical to its ONNX within {fx['parityTolerance']}).

### Held-out phantoms (training generator, never trained on)
{phantom_table(metrics, "heldoutPhantoms", names)}

### Independent generator (distribution shift)
`training/mri/phantom_b.py`, written separately and never used for training: superelliptic LV with spline
perturbations, twist, papillary muscles as ellipses, radial trabeculation strands, a superellipse RV with free wall and
moderator band; torso, ribs, lungs, liver, stomach, spine, aorta, atria; a bSSFP signal equation from per-tissue PD /
T1 / T2 with random flip angle and TR; 2× oversampled rendering with k-space cropping (Gibbs), reduced acquired
matrices, Gaussian slice profiles 6–10 mm, off-resonance banding, respiratory ghosts, wrap-around, 4–8 receive coils
with root-sum-of-squares noise; 1.0–2.1 mm pixels. Truth (volumes, EF) from its label voxels.

{phantom_table(metrics, "independentPhantoms", names)}

### Real scans: Sunnybrook LV (CC0, 10 patients, 196 slices)
LV Dice per slice against the Sunnybrook LV endocardium masks, through exactly the contract preprocessing
(PNG grey values, assumed 1.37 mm/px, 1.5 mm resampling, 128×128 crop, z-score) and mapped back to 256×256.
Patients 1–7 (sorted names) were used for the LV-only fine-tuning of the fine-tuned models; patients 8–10 were
never trained on. The project keeps other real patients aside for an independent check.

{sunnybrook_section(metrics, names)}

### Decision
{decision_text(metrics)}
{ablation}
{refusal_section()}
## Limits
- Phantoms are not patients: RV and myocardium accuracy on real scans is unmeasured (Sunnybrook has LV labels only).
- Both phantom generators were written by the same project; the independent one tests shift in shape, contrast and
  artefacts, not the unknown ways real scans differ.
- Basal slices (outflow tract, atria) and apical slices are the weakest on real scans; check the outlines, not only the numbers.
- Spacing matters: the model expects 1.5 mm/px after resampling; wrong DICOM/NIfTI spacing changes the apparent heart size.
- Volumes and EF need a complete base→apex stack with correct slice spacing; this model does not check coverage.
- Not for clinical use.

## Reproduce
```sh
training/setup.sh
cd training
/usr/bin/python3 -m mri.from_onnx --out mri/runs/shipped_v1.pt --check        # v1 weights from the v1 model.onnx
bash mri/train_dr.sh {dr_stem} 25 400        # DR cache (400 subjects x 4 slices) + {dr_stem}, 25 min, 1 CPU thread
bash mri/ship_dr.sh {dr_stem}                # fine-tuning, lock-step evaluation, decision, export or card only
bash mri/ablation_dr.sh                      # the plain U-Net in lock-step with {dr_stem}: 25 + 10 + 4 min, 1 CPU thread
# models evaluated: {", ".join(f"{k}={v}" for k, v in ckpts.items())}
```
"""
    path.write_text(text)
    update_readme(names, metrics, fx, lines)
