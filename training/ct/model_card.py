"""MODEL_CARD.md for the federated UCADI model, from ct.federated's results JSON and ct.export's facts."""
from __future__ import annotations

import shutil
from pathlib import Path

from common.card import fmt, table

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


def _cam_hits(ev: dict, cols) -> str:
    """COVID-19 CAM peak inside the lesion mask, per test set and in all, where the evaluation recorded it."""
    hits = {c: ev[c]["camPeakInLesion"] for c in cols if c in ev and c != "internal" and ev[c].get("camPeakInLesion")}
    if not hits:
        return ""
    per = ", ".join(f"{c} {h[0]}/{h[1]}" for c, h in hits.items())
    return (f"\nFedAvg's COVID-19 CAM peak inside the lesion mask (central sampling, COVID-19 test cases): "
            f"{sum(h[0] for h in hits.values())} of {sum(h[1] for h in hits.values())} ({per}).")


def sites_table() -> str:
    rows = table(["site", "role", "class mix (healthy / COVID-19 / viral / bacterial)", "train", "test", "slice thickness (mm)",
                  "kernel", "noise (HU)", "FOV (mm)", "HU offset"],
                 ([s.name, "held out" if s.held_out else "training", " / ".join(f"{m:.2f}" for m in s.mix), s.n_train, s.n_test,
                   ", ".join(str(t) for t in s.thickness_mm), ", ".join(s.kernel), f"{s.noise_hu[0]}-{s.noise_hu[1]}",
                   f"{s.fov_mm[0]}-{s.fov_mm[1]}", f"{s.hu_offset:+g}"] for s in SITES))
    return "\n".join(rows) + "\n"


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
Phantoms from `training/ct/phantom.py` (HU; body, fat, muscle, spine, ribs, sternum, scapulae, heart, great
vessels, airways, lungs with vessel and airway trees; COVID-19 = bilateral peripheral posterior GGO with crazy
paving and consolidation; other viral = diffuse or central GGO with bronchial wall thickening; bacterial = lobar or
segmental consolidation with air bronchograms; confounders in every class: dependent atelectasis, emphysema,
calcified granulomas), through each site's scanner (`training/ct/sites.py`). Site E is held out entirely.

{sites_table()}
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
shared 2-core CPU for the federated model *and* the four local-only baselines (rounds requested
{results.get('roundsRequested', 'n/a')}, run {a.get('rounds', 'n/a')}: the run stops early rather than overrun). {'The exported graph keeps the 16×128×128 contract and resizes to the training size inside (see Contract); ' if n != 128 else 'The network is fully convolutional with global pooling, so the same weights run at 16×128×128; '}{'BatchNorm statistics were then re-estimated at 128×128 (forward passes only, ' + str(a.get('bn_recal')) + ' training cases per site, FedAvg-ed).' if a.get('bn_recal') else 'no BatchNorm re-estimation was done.'}
Each local-only model ran the identical procedure on its own site only.

- CPU: a 2-core machine shared with other work running at the same time, PyTorch {facts['torch']}, {a.get('threads', 'n/a')} thread(s). Training wall time {fmt(sec.get('training', float('nan')) / 60, 1)} min
  (federated + 4 local baselines), total with evaluation {fmt(sec.get('total', float('nan')) / 60, 1)} min.
- Sample-steps: {steps if steps else 'see results JSON'}.
{('- Additively homomorphic aggregation (Paillier, `training/ct/paillier.py`) in ' + str(len(secure)) + ' round(s): ' + ', '.join(f"{s['keyBits']}-bit key, {s['ciphertexts']:,} ciphertexts ({s['valuesPerCiphertext']} fixed-point values each), {s['ciphertextBytes'] / 1e6:.1f} MB vs {s['plainBytes'] / 1e6:.1f} MB plain, {s['seconds']} s, max |secure − plain| = {s['maxAbsDiffVsPlain']:.1e}" for s in secure) + '. 256-bit keys show the protocol and its exactness, not security (≥ 2048 bits needed, unaffordable here in pure Python).') if secure else '- Paillier aggregation was not used in this run (it is tested in `training/ct/tests/test_ct_paillier.py` and `test_ct_fedavg.py`).'}

## Results (synthetic test sets)
{results_tables(results)}
Federated vs local-only is the comparison the paper makes (there: China test set COVID-19 sensitivity /
specificity 0.973 / 0.951, AUC 0.980; UK 0.730 / 0.942, AUC 0.894; federated beat every local model). Test sets are
small ({results.get('testCases', {}).get('A', 'n/a')} per internal site, {results.get('testCases', {}).get('E', 'n/a')} held out): differences of a few cases are noise.

![AUC vs communication](auc_vs_communication.png)

Communication per client = rounds × 2 × {results.get('modelBytes', 0) / 1e6:.2f} MB (float32 weights down and up);
Paillier ciphertexts are ~{(secure[0]['ciphertextBytes'] / secure[0]['plainBytes']) if secure else 4:.1f}× larger.

{notes}## Export check
ONNX Runtime Web (WASM, 1 thread) vs PyTorch on {', '.join(facts['parityCases'])}: max abs diff
**{facts['parityMaxAbsDiff']:.2e}** (per output {facts['parityMaxAbsDiffPerOutput']}), tolerance {facts['parityTolerance']}.

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
