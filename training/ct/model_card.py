"""MODEL_CARD.md for the federated UCADI model, from ct.federated's results JSON and ct.export's facts (CLI).

    /usr/bin/python3 -m ct.model_card      # rebuilds the shipped card from ct/results/ (fedavg.json, export.json,
                                           # shipped_on_new_generators.json, experiments/)

ct.export writes the card after an export; this CLI rebuilds it from the committed results alone (no checkpoint),
which is what ct/tests/test_ct_model_card.py checks the committed card against."""
from __future__ import annotations

import shutil
from pathlib import Path

from common.card import fmt, read_json, table

from .sites import SITES

HERE = Path(__file__).resolve().parent


def _row(name, ev, cols) -> list[str]:
    """COVID-19 sensitivity / specificity / macro AUC of one model on each test set."""
    return [name, *(f"{fmt(s['covidSensitivity'], 2)} / {fmt(s['covidSpecificity'], 2)} / {fmt(s['macroAuc'])}" if s else "n/a"
                    for s in (ev.get(c) for c in cols))]


def results_tables(results: dict) -> str:
    if not results.get("federated"):
        return "_No training results were given to the exporter._\n"
    held = results.get("heldOut")
    cols = [s.name for s in SITES if not s.held_out and s.name in results.get("testCases", {})] + ["internal", held]
    heads = [f"site {c} test (n={results['testCases'][c]})" for c in cols[:-2]] + \
            ["internal pooled", f"**held-out site {held}** (n={results['testCases'][held]})"]
    out = []
    fin = results["federated"]["final"]
    ts = results["args"]["sizes"][0]
    samp = results.get("evalSamplingsTrainSize", "central sampling")
    out.append(f"COVID-19 sensitivity / specificity / macro AUC (one-vs-rest over the 4 classes), patient level. "
               f"**At the training input size 16x{ts}x{ts}** ({samp}):\n")
    out += table(["model", *heads], [_row("**FedAvg (all 4 sites)**", fin["trainSize"], cols)] +
                 [_row(f"local-only {s}", loc["final"]["trainSize"], cols) for s, loc in results.get("local", {}).items()])
    out.append(_cam_hits(fin["trainSize"], cols))
    for key, title in (("contractNoRecal", "without BatchNorm re-estimation"), ("contract", "")):
        if key in fin:
            out.append(f"\n**At the contract size 16x128x128** (what the studio runs; "
                       f"{results.get('evalSamplingsContract', 'mean of the studio 3 samplings')})"
                       f"{', ' + title if title else ''}:\n")
            out += table(["model", *heads], [_row("FedAvg (shipped)" if key == "contract" else "FedAvg", fin[key], cols)])
            out.append(_cam_hits(fin[key], cols))
    return "\n".join(out) + "\n"


TARGETS = {"sensitivity": 0.7, "accuracy": 0.8, "ece": 0.05}   # issue 13, on the held-out hospital
NAMES = ["healthy", "COVID-19", "other viral", "bacterial"]
SHIPPED_ON_NEW = HERE / "results" / "shipped_on_new_generators.json"
RETRAIN_EXPERIMENT = HERE / "results" / "experiments" / "fedavg_dr_24rounds.json"
OLD_GENERATOR = "471f119"   # the last commit of the phantom generator before issue 13 (the shipped model's data)


def _confusion(conf) -> list[str]:
    labels = ["healthy", "COVID-19", "viral", "bacterial"]
    return table(["true \\ predicted", *labels], ([labels[i], *map(str, row)] for i, row in enumerate(conf)))


def per_class(ev: dict) -> dict:
    """Per-class sensitivity / specificity of a ct.metrics summary; from its confusion matrix where the summary
    predates them (results written before issue 13)."""
    if ev.get("perClass"):
        return ev["perClass"]
    conf = [list(map(int, row)) for row in ev["confusion"]]
    k, n = len(conf), sum(map(sum, conf))
    sens, spec = [], []
    for c in range(k):
        pos, hit = sum(conf[c]), conf[c][c]
        pred = sum(row[c] for row in conf)
        sens.append(hit / pos if pos else float("nan"))
        spec.append((n - pos - (pred - hit)) / (n - pos) if n - pos else float("nan"))
    return {"sensitivity": sens, "specificity": spec, "predicted": [sum(row[c] for row in conf) for c in range(k)]}


def target_verdicts(sensitivities, accuracy: float, ece_value) -> str:
    """Issue 13's targets on the held-out hospital, each met or missed by how much (ECE: not measured if None)."""
    checks = [("every class's sensitivity ≥ 0.7", min(sensitivities), TARGETS["sensitivity"], True, "lowest "),
              ("4-class accuracy ≥ 0.8", accuracy, TARGETS["accuracy"], True, ""),
              ("ECE ≤ 0.05", ece_value, TARGETS["ece"], False, "")]
    verdicts = []
    for name, value, target, higher, prefix in checks:
        if value is None:
            verdicts.append(f"{name}: not measured in this run")
            continue
        ok = value >= target if higher else value <= target
        verdicts.append(f"{name}: **{'met' if ok else 'missed'}** ({prefix}{value:.3f}"
                        + ("" if ok else f", short by {abs(value - target):.3f}") + ")")
    return "; ".join(verdicts)


def four_class_section(results: dict) -> str:
    """Per-class sensitivity / specificity, confusion matrices, calibration and the independent generator, against
    the targets on the held-out hospital (stated as met or missed by how much). Results without calibration or an
    independent set (those before issue 13) get the uncalibrated held-out numbers and nothing else."""
    if not results.get("federated") or not results.get("heldOut"):
        return ""
    cal = results.get("calibration")
    held = results["heldOut"]
    ev = cal["sites"][held]["calibrated"] if cal else results["federated"]["final"]["trainSize"].get(held)
    if not ev:
        return ""
    pc = per_class(ev)
    out = [f"### Four classes on the held-out hospital {held} ({'calibrated' if cal else 'uncalibrated'}, "
           f"n={ev['n']})\n"]
    out += table(["class", "sensitivity", "specificity", "one-vs-rest AUC", "predicted"],
                 ([NAMES[c], fmt(pc["sensitivity"][c], 2), fmt(pc["specificity"][c], 2),
                   fmt(ev["aucPerClass"][c] if ev["aucPerClass"][c] is not None else float("nan")),
                   str(pc["predicted"][c])] for c in range(4)))
    out.append("")
    out += _confusion(ev["confusion"])
    e = cal["sites"][held]["eceAfter"] if cal else ev.get("ece")
    out.append(f"\nTargets (issue 13) on the held-out hospital: "
               f"{target_verdicts(pc['sensitivity'], ev['accuracy'], e)}.")
    if not cal:
        return "\n".join(out) + "\n"
    out.append(f"\n### Calibration\nTemperature scaling (Guo et al., 2017), one scalar T = **{cal['temperature']:.3f}** "
               f"fitted by patient-level negative log-likelihood on the internal sites' test sets only "
               f"({', '.join(cal['fittedOn'])}); the held-out hospital never informs it. T is baked into the exported "
               f"classifier (weights and bias divided by T), so the studio's probabilities are the calibrated ones; the "
               f"argmax and the CAM are unchanged. Expected calibration error of the top class (10 bins), before → after:\n")
    out += table(["test set", "n", "ECE before", "ECE after", "accuracy"],
                 ([k if k != held else f"**held-out {k}**", str(v["calibrated"]["n"]), f"{v['eceBefore']:.3f}",
                   f"{v['eceAfter']:.3f}", fmt(v["calibrated"]["accuracy"], 2)] for k, v in cal["sites"].items()))
    ind = results.get("independent")
    if ind:
        out.append(f"\n### Independent generator (distribution shift, never trained on)\n`training/ct/phantom_b.py`, "
                   f"written separately from the training generator (its own anatomy, lesion, intensity and artefact "
                   f"models). {ind['n']} cases, balanced: **4-class accuracy {ind['accuracy']:.2f}**, macro AUC "
                   f"{fmt(ind['macroAuc'])}, ECE {ind['ece']:.3f} (calibrated), per-class sensitivity "
                   + ", ".join(f"{NAMES[c]} {fmt(ind['perClass']['sensitivity'][c], 2)}" for c in range(4)) + ".\n")
        out += _confusion(ind["confusion"])
    return "\n".join(out) + "\n"


def _sens_spec(values) -> str:
    return " / ".join(fmt(v, 2) for v in values)


def retrain_paragraph(exp: dict | None, shipped: dict | None = None) -> str:
    """The retrain on the new generator that was not shipped (ct/results/experiments/), in one paragraph, next to the
    shipped model on the same test sets where that evaluation is given."""
    if not exp:
        return ""
    fin = exp["federated"]["final"]["trainSize"]
    held = exp["heldOut"]
    hist = exp["federated"]["history"]
    lrs = [h["lr"] for h in hist]
    floor = [h["round"] for h in hist if h["lr"] <= min(lrs) * 1.000001]
    a = exp.get("args", {})
    cal = exp.get("calibration", {})
    ind = exp.get("independent")
    e_held = cal.get("sites", {}).get(held, {})
    same = ""
    misses = min(per_class(fin[held])["sensitivity"]) < TARGETS["sensitivity"] or fin[held]["accuracy"] < TARGETS["accuracy"]
    if shipped:
        ss = shipped["sets"]
        pairs = [(f"held-out {held}", fin[held]["accuracy"], ss[held]["accuracy"]),
                 ("internal", fin["internal"]["accuracy"], ss["internal"]["accuracy"])]
        if ind:
            pairs.append(("independent", ind["accuracy"], ss["independent"]["accuracy"]))
        same = ("On the same test sets the shipped model scores " + ", ".join(
            f"{name} {theirs:.3f} vs {ours:.3f}" for name, ours, theirs in pairs)
            + " (shipped vs retrain): the retrain is " + ("no worse" if all(o >= t for _, o, t in pairs) else "worse on some")
            + " there" + (", and it misses the targets as well. " if misses else ". "))
    return (f"**A retrain on the new generator is not shipped.** FedAvg over the internal sites with "
            f"class-weighted loss, {len(hist)} rounds at 16×{a.get('sizes', ['n/a'])[0]}×{a.get('sizes', ['n/a'])[0]} "
            f"in-plane, {exp['seconds']['training'] / 60:.0f} min of CPU training "
            f"(`training/ct/results/experiments/{RETRAIN_EXPERIMENT.name}`): held-out hospital {held} 4-class accuracy "
            f"**{fin[held]['accuracy']:.3f}** (sensitivity healthy / COVID-19 / viral / bacterial "
            f"{_sens_spec(per_class(fin[held])['sensitivity'])}), "
            f"internal {fin['internal']['accuracy']:.3f}"
            + (f", independent generator {ind['accuracy']:.3f}" if ind else "")
            + (f"; temperature T = {cal['temperature']:.3f} moved the held-out ECE {e_held['eceBefore']:.3f} → "
               f"{e_held['eceAfter']:.3f}" if e_held else "")
            + f". Its round budget let the run go on past the end of its cosine schedule: rounds "
            f"{floor[0]}–{floor[-1]} ran at the floor learning rate {min(lrs):.0e}, and it took "
            f"{exp['seconds']['total'] / 60:.0f} min against a {fmt(a.get('budget_minutes'), 0)}-min budget (fixed since: "
            f"the budget can only shorten the plan, `training/ct/tests/test_ct_budget.py`). " + same
            + "No checkpoint was kept; a retrain is still to do.\n")


def pools_note(facts: dict) -> str:
    """The export's AvgPool3d written as Conv (common/pool_as_conv.py), so that the model runs on WebGPU."""
    text = ("The two AvgPool3d(2) are exported as fixed-weight Conv nodes (`training/common/pool_as_conv.py`): ONNX "
            "Runtime's WebGPU provider has no 3D AveragePool but runs 3D Conv, so the studio runs this model on WebGPU "
            "where it has it (e2e: the same probabilities and activation-map peak as WASM, on a software adapter).")
    p = facts.get("poolsAsConv")
    if p:
        text += (f" The shipped file is the export above (SHA-256 `{p['from']['sha256'][:12]}…`) rewritten so, after "
                 f"the parity check: outputs within {p['maxAbsDiff']:.1e} of it ({p['checkedOn']}).")
    return text + "\n"


def shipped_on_new_section(facts: dict, shipped: dict | None, exp: dict | None) -> str:
    """The shipped model on the generators of issue 13, which it never saw (ct.eval_shipped), against the targets;
    only when that evaluation is of this card's model file (same SHA-256)."""
    if not shipped or shipped.get("model", {}).get("sha256") != facts.get("sha256"):
        return ""
    sets, held, t = shipped["sets"], shipped["heldOut"], shipped["temperature"]
    titles = {"internal": "internal pooled (A–D)", held: f"**held-out {held}**", "independent": "independent generator"}
    ev = sets[held]
    pc = ev["perClass"]
    out = ["## The shipped model on the new generators (never trained on)",
           f"The phantom generator was rewritten for issue 13 (findings after the literature, domain randomisation: "
           f"`training/ct/phantom.py`, `training/ct/sites.py`), and an independent generator was written to test on "
           f"only (`training/ct/phantom_b.py`). The shipped model predates both. `training/ct/eval_shipped.py` rebuilds "
           f"it in PyTorch from the ONNX weights (it reproduces the e2e fixtures' probabilities to "
           f"{shipped['fixtureCheck']['maxAbsDiff']:.4f}) and runs it as trained: 16×{shipped['inPlane']}×"
           f"{shipped['inPlane']}, mean softmax of the 3 samplings.\n"]
    out += table(["test set", "n", "4-class accuracy", "sensitivity (healthy / COVID-19 / viral / bacterial)",
                  "specificity", "macro AUC", "ECE", f"ECE with T = {t['value']:.2f}"],
                 ([titles.get(k, f"site {k}"), str(v["n"]), fmt(v["accuracy"], 3),
                   _sens_spec(v["perClass"]["sensitivity"]), _sens_spec(v["perClass"]["specificity"]),
                   fmt(v["macroAuc"]), fmt(v["ece"]), fmt(v["eceAfterTemperature"])] for k, v in sets.items()))
    out.append(f"\nTargets (issue 13) on the held-out hospital {held}: "
               f"{target_verdicts(pc['sensitivity'], ev['accuracy'], ev['ece'])}. "
               f"Independent generator: 4-class accuracy **{sets['independent']['accuracy']:.3f}** (chance 0.25).")
    counts = "; ".join(f"{titles[k].replace('**', '')} {' / '.join(map(str, sets[k]['perClass']['predicted']))} "
                       f"of {sets[k]['n']}" for k in (held, "internal", "independent"))
    out.append(f"\nPredicted classes (healthy / COVID-19 / viral / bacterial): {counts}. A temperature fitted on the "
               f"internal test sets only (T = {t['value']:.3f}, patient-level NLL {sets['internal']['nll']:.3f} → "
               f"{sets['internal']['nllAfterTemperature']:.3f}) cannot repair a wrong ranking, and the probabilities "
               f"are already soft (mean top-class probability {ev['meanTopProbability']:.2f} on the held-out hospital: "
               f"near-uniform probabilities at near-chance accuracy give a small ECE without being useful); it moves the held-out ECE {ev['ece']:.3f} → {ev['eceAfterTemperature']:.3f}. It is measured "
               f"only: the shipped file is unchanged and its probabilities are **not calibrated**.\n")
    for k in (held, "internal", "independent"):
        out.append(f"Confusion, {titles[k].replace('**', '')} (rows true, columns predicted):\n")
        out += _confusion(sets[k]["confusion"])
        out.append("")
    para = retrain_paragraph(exp, shipped)
    if para:
        out.append(para)
    return "\n".join(out) + "\n"


def _new_generator(results: dict) -> bool:
    """Results of a run on the issue-13 generator (it records `generator`; its first run only the class-weight flag)."""
    return "generator" in results or "balance" in results.get("args", {})


def _cam_hits(ev: dict, cols) -> str:
    """COVID-19 CAM peak inside the lesion mask, per test set and in all, where the evaluation recorded it."""
    hits = {c: ev[c]["camPeakInLesion"] for c in cols if c in ev and c != "internal" and ev[c].get("camPeakInLesion")}
    if not hits:
        return ""
    per = ", ".join(f"{c} {h[0]}/{h[1]}" for c, h in hits.items())
    return (f"\nFedAvg's COVID-19 CAM peak inside the lesion mask (central sampling, COVID-19 test cases): "
            f"{sum(h[0] for h in hits.values())} of {sum(h[1] for h in hits.values())} ({per}).")


def sites_table(results: dict | None = None) -> str:
    """Each site's main protocol; train / test counts from the results where given (they differ by generator)."""
    train = (results or {}).get("trainCases", {})
    test = (results or {}).get("testCases", {})
    rows = table(["site", "role", "class mix (healthy / COVID-19 / viral / bacterial)", "train", "test", "slice thickness (mm)",
                  "kernel", "noise (HU)", "FOV (mm)", "HU offset"],
                 ([s.name, "held out" if s.held_out else "training", " / ".join(f"{m:.2f}" for m in s.mix),
                   train.get(s.name, 0 if s.held_out else s.n_train), test.get(s.name, s.n_test),
                   ", ".join(str(t) for t in s.thickness_mm), ", ".join(s.kernel), f"{s.noise_hu[0]}-{s.noise_hu[1]}",
                   f"{s.fov_mm[0]}-{s.fov_mm[1]}", f"{s.hu_offset:+g}"] for s in SITES))
    return "\n".join(rows) + "\n"


OLD_DATA = """Phantoms from the generator before issue 13 (`training/ct/phantom.py` at commit {commit}; the current one is
described under "The shipped model on the new generators") (HU; body, fat, muscle, spine, ribs, sternum, scapulae,
heart, great vessels, airways, lungs with vessel and airway trees; COVID-19 = bilateral peripheral posterior GGO with
crazy paving and consolidation; other viral = diffuse or central GGO with bronchial wall thickening; bacterial = lobar
or segmental consolidation with air bronchograms; confounders in every class: dependent atelectasis, emphysema,
calcified granulomas), through each site's scanner (`training/ct/sites.py`). Site E is held out entirely."""

NEW_DATA = """Phantoms from `training/ct/phantom.py` (HU; body, fat, muscle, spine, ribs, sternum, scapulae, heart, great
vessels, airways, lungs with vessel and airway trees, fissures, CT couch). Findings after the literature (sources in
`training/ct/README.md`): COVID-19 = bilateral, peripheral, posterior/basal ground glass with crazy paving and later
consolidation, from one small focus to most of the lungs; other viral = central peribronchovascular or diffuse
ground glass, bronchial wall thickening, centrilobular nodules and tree-in-bud, sometimes mosaic attenuation;
bacterial = lobar or segmental consolidation with air bronchograms, mostly one-sided, sometimes an effusion; healthy
= none. Normal variants and confounders in every class, never in the lesion mask: dependent atelectasis, prominent
vessels, fissures, calcified granulomas, emphysema. **Domain randomisation** per case: body habitus and lung size,
inspiration level, arms up or down (in the field of view, with streaks), couch, field of view 300–450 mm, slice
thickness 1–10 mm, smooth / standard / sharp / lung kernels, dose noise, streak and beam-hardening artefacts,
partial coverage of the chest, contrast or none; each site (`training/ct/sites.py`) has its own protocol, an
alternative protocol for 20–30 % of its cases and its own randomisation ranges. Site E is held out entirely."""


def write_card(path: Path, facts: dict, results: dict):
    plot_src = None
    if results.get("args"):
        name = Path(results["args"].get("results", HERE / "results")) / f"{results['args'].get('name', 'fedavg')}_auc_vs_communication.png"
        if name.exists():
            plot_src = name
    if plot_src:
        shutil.copyfile(plot_src, path.parent / "auc_vs_communication.png")
    a = results.get("args", {})
    hist = results.get("federated", {}).get("history", [])
    secure = [h["secure"] for h in hist if "secure" in h]
    sec = results.get("seconds", {})
    steps = results.get("sampleSteps", {})
    macs = facts["macsPerModule"]
    block1 = macs["block1_layer1"] + macs["block1_layer2"]
    n = facts.get("networkInPlane", 128)
    grid = f"4×{n // 4}×{n // 4}"
    front = ("" if n == 128 else
             f"\n- **Inside the graph** the volume is first resized trilinearly (align_corners=False) to 16×{n}×{n}, the "
             f"in-plane size the network was trained at, and the network runs there; the CAM is upsampled back to "
             f"16×128×128. So the studio runs exactly the function that was trained and evaluated below.")
    notes_file = HERE / "results" / "card_notes.md"
    notes = notes_file.read_text() + "\n" if notes_file.exists() else ""
    loss_text = ""
    if a.get("aux"):
        loss_text = (f" + {a.get('aux')} × a dense \"evidence\" loss: the classifier applied to every voxel of the last "
                     "feature block (the pre-ReLU CAM + bias, whose voxel mean is exactly the logits) is pushed to the "
                     "case's class in cells that are ≥ 15 % lesion and to the uniform distribution (no evidence) "
                     "elsewhere, using the phantoms' lesion masks. **Real data would not provide these masks**; they are "
                     "a shortcut for the tiny compute budget and make the CAM point at lesions")
    if _new_generator(results):
        data_text = NEW_DATA
    else:
        data_text = OLD_DATA.format(commit=OLD_GENERATOR)
    shipped_text = shipped_on_new_section(facts, read_json(SHIPPED_ON_NEW), read_json(RETRAIN_EXPERIMENT))
    md = f"""# UCADI 3D DenseNet — COVID-19 chest CT, federated on synthetic hospitals

**Demo, not for clinical use.** Trained only on synthetic phantoms; it has never seen a real CT scan, and its
numbers below describe the phantoms, not patients.

- Task: classify a chest CT volume as healthy, COVID-19, other viral pneumonia or bacterial pneumonia, with a
  class activation map (CAM) per class.
- Paper: Bai et al., *Advancing COVID-19 diagnosis with privacy-preserving collaboration in artificial
  intelligence*, Nature Machine Intelligence 2021 (UCADI). This is our re-implementation, trained from scratch
  here; the upstream weights are not included (CC BY-NC).
- Name in the studio (manifest): {facts.get('name', 'n/a')}.
- Files: `model.onnx` (opset {facts['opset']}, {facts['bytes']:,} bytes, SHA-256 `{facts['sha256']}`),
  `manifest.json`, this card, `auc_vs_communication.png`.

## Contract
- Input `volume` float32 [batch, 1, 16, 128, 128] (NCDHW): HU clipped to [−1200, 600], (HU + 604.23) / 489.42,
  16 slices at stride 1 (≤ 80 slices), 2 (≤ 160) or 5, trilinear resize to 16×128×128 (the caller does this;
  `src/tasks/ct/core/preprocess.ts`). Patient level = mean softmax over several samplings (the studio uses 3).{front}
- Outputs `logits` [batch, 4] (healthy, covid19, viral, bacterial) and `cam` [batch, 4, 16, 128, 128]: per class
  ReLU(Σ_k w_ck f_k) on the last feature block (120 channels at {grid}, after the final BN + LeakyReLU) with
  the classifier weights, trilinearly upsampled (align_corners=False) and **divided by its own maximum per sample
  and class inside the graph** (each map in [0, 1]; all zero if a class has no positive evidence).

## Architecture
3D DenseNet exactly as UCADI: Conv3d(1→32, 3³) + BN + LeakyReLU(0.1); three dense blocks of two layers
(BN, LReLU, 1³ conv → 128, BN, LReLU, 3³ conv → 32, concatenated; growth 32); transitions BN + LReLU + 1³ conv
halving the channels + AvgPool3d(2) after blocks 1 and 2; final BN + LReLU; channels 32→96→48→112→56→120; global
average pooling; Linear(120→4). DropBlock in training only. A real UCADI checkpoint loads into this definition
with `strict=True` (tested).

- Parameters: **{facts['params']:,}** trainable ({facts['stateDictElements']:,} state-dict elements including
  BatchNorm running statistics — the count upstream quotes).
- Compute per inference (network at 16×{n}×{n}): **{facts['macs'] / 1e9:.1f} GMAC = {facts['flops'] / 1e9:.1f} GFLOP**; the
  first dense block at full resolution is {block1 / 1e9:.1f} GMAC ({100 * block1 / facts['macs']:.0f} %). At 16×128×128
  (the paper's resolution, and a real UCADI checkpoint exported with `ct/export_checkpoint.py`) it is 71.6 GMAC
  = 143 GFLOP, 86 % in the first dense block.

## Data: synthetic hospitals
{data_text}

{sites_table(results)}
Test splits use the site's mix blended half-way to uniform so that every class occurs.

## Training and compute actually used
Weighted FedAvg (weights = training cases per site: {results.get('trainCases', {})}) for
{a.get('rounds', 'n/a')} rounds × {a.get('local_epochs', 'n/a')} local epoch(s); Adam (fresh per round),
learning rate {a.get('lr', 'n/a')} cosine over rounds, batch {a.get('batch', 'n/a')}, DropBlock
{a.get('dropblock', 'n/a')}, augmentation (intensity gain/offset, ±4 px translation, one of 4 stored samplings per
case). Loss: image-level cross-entropy{loss_text}.
After each local training every client re-estimated its BatchNorm statistics on {a.get('bn_refresh', 0)} of its
cases before sending (forward passes only).
**Trained at in-plane size {a.get('sizes', 'n/a')} (the 128×128 contract input trilinearly downsampled)**, not at
128×128: at 128 one sample-step costs ~9 s on one core, and this run had {fmt(a.get('budget_minutes') or float('nan'), 0)} minutes of a
shared 2-core CPU for the federated model{' *and* the four local-only baselines' if results.get('local') else ''} (rounds requested
{results.get('roundsRequested', 'n/a')}, run {a.get('rounds', 'n/a')}: the run stops early rather than overrun). {'The exported graph keeps the 16×128×128 contract and resizes to the training size inside (see Contract); ' if n != 128 else 'The network is fully convolutional with global pooling, so the same weights run at 16×128×128; '}{'BatchNorm statistics were then re-estimated at 128×128 (forward passes only, ' + str(a.get('bn_recal')) + ' training cases per site, FedAvg-ed).' if a.get('bn_recal') else 'no BatchNorm re-estimation was done.'}
{'Each local-only model ran the identical procedure on its own site only.' if results.get('local') else '**No local-only baselines in this run** (the CPU budget went to the federated model); the federated-vs-local comparison of the previous generator is kept in the notes below.'}

- CPU: a 2-core machine shared with other work running at the same time, PyTorch {facts['torch']}, {a.get('threads', 'n/a')} thread(s). Training wall time {fmt(sec.get('training', float('nan')) / 60, 1)} min
  ({'federated + 4 local baselines' if results.get('local') else 'federated only'}), total with evaluation {fmt(sec.get('total', float('nan')) / 60, 1)} min.
- Sample-steps: {steps if steps else 'see results JSON'}.
{('- Additively homomorphic aggregation (Paillier, `training/ct/paillier.py`) in ' + str(len(secure)) + ' round(s): ' + ', '.join(f"{s['keyBits']}-bit key, {s['ciphertexts']:,} ciphertexts ({s['valuesPerCiphertext']} fixed-point values each), {s['ciphertextBytes'] / 1e6:.1f} MB vs {s['plainBytes'] / 1e6:.1f} MB plain, {s['seconds']} s, max |secure − plain| = {s['maxAbsDiffVsPlain']:.1e}" for s in secure) + '. 256-bit keys show the protocol and its exactness, not security (≥ 2048 bits needed, unaffordable here in pure Python).') if secure else '- Paillier aggregation was not used in this run (it is tested in `training/ct/tests/test_ct_paillier.py` and `test_ct_fedavg.py`).'}

## Results (synthetic test sets)
{results_tables(results)}
{four_class_section(results)}
{'' if results.get('local') else 'This run has no local-only rows (see above). '}Federated vs local-only is the comparison the paper makes (there: China test set COVID-19 sensitivity /
specificity 0.973 / 0.951, AUC 0.980; UK 0.730 / 0.942, AUC 0.894; federated beat every local model). Test sets are
small ({results.get('testCases', {}).get('A', 'n/a')} per internal site, {results.get('testCases', {}).get('E', 'n/a')} held out): differences of a few cases are noise.

![AUC vs communication](auc_vs_communication.png)

Communication per client = rounds × 2 × {results.get('modelBytes', 0) / 1e6:.2f} MB (float32 weights down and up);
Paillier ciphertexts are ~{(secure[0]['ciphertextBytes'] / secure[0]['plainBytes']) if secure else 4:.1f}× larger.

{shipped_text.rstrip(chr(10)) + chr(10) * 2 if shipped_text else ''}{notes}## Export check
ONNX Runtime Web (WASM, 1 thread) vs PyTorch on {', '.join(facts['parityCases'])}: max abs diff
**{facts['parityMaxAbsDiff']:.2e}** (per output {facts['parityMaxAbsDiffPerOutput']}), tolerance {facts['parityTolerance']}.
{pools_note(facts)}
## Limits
- Synthetic data only; the phantoms encode textbook patterns (location and density of findings), real CT is
  far more varied and the real differential diagnosis (COVID-19 vs other viral pneumonia) is much harder.
- Small training budget (minutes of CPU), reduced training resolution, small test sets; the held-out site is
  synthetic too, so "generalisation" means across simulated scanners and case mixes only.
- The CAM lives on a {grid} grid (upsampled): it localises coarsely.
- 16-slice samplings see part of the lungs; findings outside the sampled slabs are missed.

## Licence
Apache-2.0 (weights trained here from scratch on synthetic data). The UCADI reference checkpoint (CC BY-NC 3.0)
is neither included nor used for training.

## Intended use
An in-browser demo of federated learning and 3D CNN inference with explanations. **Demo, not for clinical use.**
"""
    path.write_text(md)


def main(argv=None):
    import argparse
    import json
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", type=Path, default=HERE / "results" / "fedavg.json")
    ap.add_argument("--facts", type=Path, default=HERE / "results" / "export.json")
    ap.add_argument("--out", type=Path, default=HERE.parents[1] / "public/models/ct/ucadi-densenet/MODEL_CARD.md")
    args = ap.parse_args(argv)
    write_card(args.out, json.loads(args.facts.read_text()), json.loads(args.results.read_text()))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
