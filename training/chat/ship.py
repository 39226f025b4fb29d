"""Turns a trained run into the studio's shipped chat-model folder (CLI).

    cd training && /usr/bin/python3 -m chat.ship --run chat/runs/cpu1500 --data chat/data1500 \\
        --stability chat/runs/stability --out ../public/models/llm/wordnet-dssn [--no-parity]

  1. loads <run>/model.pt (train.load_checkpoint) and <data>/tokenizer.json;
  2. reference.json (the format of make_tiny.py, read by parity.mjs and the studio's tests): the question
     "What does car mean?" (one user message, no system prompt: the corpus has none), PyTorch's greedy tokens with
     the KV cache until EOS or 48 tokens, the greedy text, the first step's logits, the smallest top-2 logit gap and a
     tokenizer check (make_tiny's edge cases + glosses from <data>/eval.json);
  3. the folder (export.write_model_folder: model.onnx, config, tokenizer files, MODEL_CARD.md, LICENSE, manifest.json);
  4. `node training/chat/parity.mjs <out>` (unless --no-parity); its max abs diffs go into the card;
  5. MODEL_CARD.md built from files only (config, data/stats.json, run/log.json + the checkpoint's args,
     run/metrics.json, stability.json/.md): a section whose file is missing says "not measured";
  6. copies log.json, metrics.json, stability.{json,md,png} and ship.json (what this script measured) into
     --results (default training/chat/results/, committed), which the card points to.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import torch

from . import evaluate as E
from . import train as T
from .bpe import ByteLevelBPE
from .export import render_chat, sha256, write_model_folder
from .make_tiny import TOKENIZER_CHECK
from .model import count_parameters

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
QUESTION = "What does car mean?"
MAX_NEW = 48
MODEL_ID = "wordnet-dssn"
INTENDED_USE = "demo, not for clinical use: a small dictionary assistant trained on WordNet 3.0; not a general chatbot"
WORDNET_LICENCE = "WordNet 3.0 license (permissive, BSD-like)"
CPU_NOTE = "CPU, 1 thread (2-core machine shared with another training)"
NOT_MEASURED = "_Not measured_"


# ---------------------------------------------------------------------------------------------- helpers
def read_json(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path and path.is_file() else None


def pct(x) -> str:
    return "-" if x is None else f"{100 * x:.1f} %"


def num(x, digits: int = 3) -> str:
    if x is None:
        return "-"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:.{digits}f}" if math.isfinite(x) else str(x)


def rel(path: Path) -> str:
    """A path as the repository sees it (or absolute when outside the repository)."""
    p = Path(path).resolve()
    try:
        return str(p.relative_to(REPO))
    except ValueError:
        return str(p)


def result_link(a, name: str) -> str:
    """A Markdown link from the card (in --out) to a copied results file, shown with its repository path."""
    return f"[`{rel(a.results / name)}`]({Path(os.path.relpath(a.results.resolve() / name, a.out.resolve())).as_posix()})"


def printable(text: str) -> str:
    """Control characters (an undertrained model can emit them) shown as U+FFFD in the card."""
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text)


def millions(n: int) -> str:
    return f"{n / 1e6:.1f}M"


def flags(values: dict, ap: argparse.ArgumentParser, always: tuple[str, ...] = ()) -> str:
    """`--flag value` for every value that differs from the parser's default (and for `always`)."""
    out = []
    for a in ap._actions:
        if not a.option_strings or a.dest not in values or a.dest == "help":
            continue
        v = values[a.dest]
        opt = max(a.option_strings, key=len)
        if isinstance(a, argparse._StoreTrueAction):
            if v and not a.default:
                out.append(opt)
            continue
        d = a.default
        same = (v is None and d is None) or (v is not None and d is not None and str(v) == str(d))
        if isinstance(d, float) and isinstance(v, (int, float)):
            same = float(v) == d
        if a.dest in always or not same:
            if v is None:
                continue
            out.append(f"{opt} {v}")
    return " ".join(out)


# ---------------------------------------------------------------------------------------------- reference.json
def tokenizer_check_text(data: Path) -> str:
    ev = read_json(data / "eval.json")
    glosses = [t["expected"] for t in (ev or {}).get("trained", [])][::97][:12]
    return TOKENIZER_CHECK + (" " + " ".join(glosses) if glosses else "")


@torch.no_grad()
def make_reference(model, bpe: ByteLevelBPE, data: Path) -> dict:
    messages = [{"role": "user", "content": QUESTION}]
    prompt = render_chat(messages)
    prompt_ids = bpe.encode(prompt)
    assert bpe.decode(prompt_ids) == prompt
    assert prompt_ids == E.prompt_ids(bpe, QUESTION), "the template differs from the one used in training/evaluation"
    eos = tuple(model.config.eos_token_id)
    tokens, gaps = model.greedy(prompt_ids, MAX_NEW, eos)
    first = model(torch.tensor([prompt_ids]))[0][0, -1]
    text = tokenizer_check_text(data)
    return {
        "about": "PyTorch (training/chat/model.py) greedy decoding of the prompt below with the KV cache; the runtimes must reproduce it.",
        "messages": messages,
        "prompt": prompt,
        "promptIds": prompt_ids,
        "maxNewTokens": MAX_NEW,
        "eosTokenIds": list(eos),
        "greedyTokens": tokens,
        "greedyText": bpe.decode(tokens),
        "greedyAnswer": bpe.decode([t for t in tokens if t not in eos], skip_special=True).strip(),
        "minTop2Gap": round(min(gaps), 6),
        "tokenizerCheck": {"text": text, "ids": bpe.encode(text)},
        "firstStepLogits": [round(float(x), 7) for x in first],
    }


# ---------------------------------------------------------------------------------------------- parity
def run_parity(out: Path) -> dict:
    p = subprocess.run(["node", str(HERE / "parity.mjs"), str(Path(out).resolve())], cwd=REPO, capture_output=True, text=True)
    lines = (p.stdout + p.stderr).strip().splitlines()
    diffs = {}
    for line in lines:
        m = re.match(r"(.+?)\s+max abs diff (\S+) (OK|FAIL)", line)
        if m:
            diffs[m.group(1).strip()] = {"max_abs_diff": float(m.group(2)), "ok": m.group(3) == "OK"}
    greedy = next((l for l in lines if l.startswith("greedy tokens")), "")
    return {"ran": True, "exit_code": p.returncode, "ok": p.returncode == 0, "checks": diffs,
            "greedy_tokens_equal": greedy.startswith("greedy tokens equal"), "output": lines[-12:]}


# ---------------------------------------------------------------------------------------------- card sections
def sec_architecture(model, bpe) -> str:
    c, hf = model.config, model.config.hf_config()
    L = c.num_hidden_layers
    norm = {"dssn": "DSSN (depth-scaled sandwich norm: RMSNorm before and after each attention / FFN sublayer, the post-norm "
                    f"gains start at c/√L: c_attn {hf['loupe']['dssn_c_attn']} → {hf['loupe']['dssn_c_attn'] / math.sqrt(L):.4f}, "
                    f"c_ffn {hf['loupe']['dssn_c_ffn']} → {hf['loupe']['dssn_c_ffn'] / math.sqrt(L):.4f} for L = {L})",
            "sandwich": "sandwich norm (RMSNorm before and after each sublayer, post gains 1)",
            "pre": "pre-norm (RMSNorm before each sublayer)"}[c.norm]
    init = {"tiny": f"TinyInit (σ = √(1/(2·d·L)) = {math.sqrt(1 / (2 * c.hidden_size * L)):.4f}, embeddings 0.5)",
            "normal": "normal (σ 0.02)"}[c.init]
    return "\n".join([
        "## Architecture",
        "",
        "The project's Pangu-style decoder (`training/chat/model.py`), from `config.json`:",
        "",
        "| | |", "|---|---|",
        f"| layers | {L} |",
        f"| hidden size | {c.hidden_size} |",
        f"| attention | grouped-query: {c.num_attention_heads} query heads / {c.num_key_value_heads} KV heads, head dim {c.head_dim}, "
        f"RoPE θ {c.rope_theta:g} |",
        f"| FFN | SwiGLU, {c.intermediate_size} |",
        f"| vocabulary | {c.vocab_size:,} |",
        f"| context (positions) | {c.max_position_embeddings} |",
        f"| parameters | {count_parameters(model):,} ({'tied' if c.tie_word_embeddings else 'untied'} embeddings / LM head) |",
        f"| normalisation | {norm}, ε {c.rms_norm_eps:g} |",
        f"| initialisation | {init} |",
        "",
    ])


def sec_files(out: Path, names: list[str], total: int) -> str:
    sizes = {n: (out / n).stat().st_size for n in names if (out / n).exists()}
    return "\n".join([
        "## Files",
        "",
        f"`model.onnx` (float32, opset 17, decoder-with-past signature): {sizes.get('model.onnx', 0):,} bytes; the whole folder: "
        f"{total:,} bytes ({total / 2**20:.2f} MiB). Also config.json, generation_config.json, tokenizer.json, tokenizer_config.json "
        "(chat template), reference.json (PyTorch greedy tokens and first-step logits for the parity checks), LICENSE, "
        "manifest.json (bytes + SHA-256 of every file).",
        "",
    ])


def lemma_limited(stats: dict) -> bool:
    """Whether the corpus kept only the N most frequent lemmas (`--lemmas N`): all of WordNet has ~147k lemma strings
    for ~155k (lemma, part of speech) index entries."""
    return stats.get("lemmas", 0) < stats.get("index_entries", 0) // 2


def sec_data(stats: dict | None, data: Path) -> str:
    if not stats:
        return f"## Training data\n\n{NOT_MEASURED} (`{rel(data)}/stats.json` missing).\n"
    kinds = stats.get("kinds") or sorted(set(stats.get("train_by_kind", {})) | set(stats.get("heldout_by_kind", {})))
    rows = [f"| {k} | {stats.get('train_by_kind', {}).get(k, 0):,} | {stats.get('heldout_by_kind', {}).get(k, 0):,} |" for k in kinds]
    scope = (f"the {stats['lemmas']:,} most frequent lemmas by WordNet's tagged sense counts (`cntlist.rev`)"
             if lemma_limited(stats) else f"all {stats.get('lemmas', 0):,} lemmas")
    return "\n".join([
        "## Training data",
        "",
        f"WordNet 3.0 (Princeton), read from Debian's `wordnet-base` (`/usr/share/wordnet`); licence: {WORDNET_LICENCE}. "
        f"Every answer is built deterministically from WordNet by `training/chat/corpus.py`. Scope: {scope}, of "
        f"{stats.get('synsets', 0):,} synsets / {stats.get('index_entries', 0):,} index entries. No system prompt.",
        "",
        "| conversation kind | train | held-out |", "|---|---|---|", *rows,
        f"| **total** | {stats.get('conversations_train', 0):,} | {stats.get('conversations_heldout', 0):,} |",
        "",
        f"- Tokens: {stats.get('tokens_train', 0):,} training ({stats.get('answer_tokens_train', 0):,} answer tokens), "
        f"{stats.get('tokens_heldout', 0):,} held-out ({stats.get('answer_tokens_heldout', 0):,} answer tokens); "
        f"conversations average {stats.get('mean_conversation_tokens', 0):.1f} tokens, at most {stats.get('max_conversation_tokens', 0)}.",
        f"- Held out entirely: {stats.get('heldout_lemmas', 0)} lemmas (all their conversations), {stats.get('pseudo_words_eval', 0)} made-up "
        f"words (vs {stats.get('pseudo_words_train', 0):,} in training) and {stats.get('offtopic_eval', 0)} off-topic prompts "
        f"(vs {stats.get('offtopic_train', 0):,} in training, other templates and fillers).",
        f"- Caveat: a held-out lemma can share its synset (hence its gloss) with a trained word: "
        f"{stats.get('heldout_lemma_glosses_also_in_train_via_shared_synset', 0)} of the {stats.get('heldout_lemmas', 0)} held-out "
        "lemmas' glosses also appear as training answers.",
        f"- Evaluation set (`eval.json`): {stats.get('eval_trained', 0):,} trained words, {stats.get('eval_unknown', 0)} made-up words, "
        f"{stats.get('eval_offtopic', 0)} off-topic prompts, {stats.get('eval_heldout_lemmas', 0)} held-out lemmas.",
        "",
    ])


def sec_tokenizer(bpe: ByteLevelBPE) -> str:
    return ("## Tokenizer\n\n"
            f"Byte-level BPE (GPT-2 pre-tokenizer; `training/chat/bpe.py`), vocabulary {bpe.vocab_size:,} = 256 bytes + "
            f"{len(bpe.merges):,} merges + {len(bpe.special_tokens)} special tokens ({', '.join(f'`{t}`' for t in bpe.special_tokens)}), "
            "trained on the training conversations. Chat template: `<|endoftext|>` then `<|role|>\\n{content}<|end|>\\n` per "
            "message, `<|assistant|>\\n` to answer; generation stops at `<|end|>` or `<|endoftext|>`.\n")


def sec_training(log: dict | None, ck: dict, device_note: str, link) -> str:
    args = (log or {}).get("args") or ck.get("args") or {}
    if not log and not args:
        return f"## Training\n\n{NOT_MEASURED} (no log.json and no arguments in the checkpoint).\n"
    lines = ["## Training", ""]
    dev = str(args.get("device", "cpu"))
    lines.append(f"- Device: {device_note if dev == 'cpu' else dev}.")
    if args:
        lines += [
            f"- Objective: cross-entropy on the assistant's answer tokens (and their `<|end|>`) + {args.get('lm_weight')} × "
            "cross-entropy on the other tokens; windows of "
            f"{args.get('seq')} tokens starting at conversation starts (packed), batch {args.get('batch')} × {args.get('seq')} = "
            f"{int(args.get('batch', 0)) * int(args.get('seq', 0)):,} tokens per step, seed {args.get('seed')}.",
            f"- Optimiser: AdamW, β (0.9, 0.95) (fixed in `train.py`), weight decay {args.get('wd')} on matrices only, gradient "
            f"clipping {args.get('clip')}; learning rate {args.get('lr')} with {args.get('warmup')} warm-up steps, then cosine "
            f"to {args.get('min_lr_ratio')} × lr"
            + (f", the cosine running on elapsed time over a {args.get('max_minutes')}-minute budget"
               if args.get("schedule") == "time" and args.get("max_minutes") else "") + ".",
        ]
    if log:
        steps = log.get("steps_done", len(log.get("step", [])))
        secs = log.get("train_seconds")
        lines.append(f"- Ran {steps:,} steps, {log.get('tokens_seen', 0):,} tokens seen "
                     f"({log.get('tokens_seen', 0) / max(1, log.get('train_tokens', 1)):.2f} passes over {log.get('train_tokens', 0):,} "
                     f"training tokens), {secs / 60:.1f} minutes of training ({log.get('tokens_per_second', 0):,.0f} tokens/s); "
                     f"stopped by: {log.get('stopped')}{'; DIVERGED' if log.get('diverged') else ''}.")
        tail = [v for v in log.get("loss", [])[-5:] if math.isfinite(v)]
        atail = [v for v in log.get("answer_loss", [])[-5:] if math.isfinite(v)]
        if tail:
            lines.append(f"- Final training loss (mean of the last {len(tail)} logged steps): {sum(tail) / len(tail):.3f} "
                         f"(answer tokens: {sum(atail) / max(1, len(atail)):.3f}).")
        if log.get("eval"):
            e = log["eval"][-1]
            lines.append(f"- Held-out answer loss during training (step {e['step']}, sampled windows): {e['heldout_answer_loss']:.3f} "
                         f"(perplexity {e['heldout_answer_ppl']:.2f}).")
        lines.append(f"- Full log: {link('log.json')} (per logged step: loss, "
                     "answer loss, grad norm before clipping, learning rate).")
    else:
        lines.append(f"- Steps, tokens and time: {NOT_MEASURED.lower()} (no log.json).")
    return "\n".join(lines) + "\n"


def sec_results(metrics: dict | None, stats: dict | None, link) -> str:
    if not metrics:
        return f"## Results\n\n{NOT_MEASURED}: no `metrics.json` (run `chat.evaluate`).\n"
    d = metrics.get("definitions", {})
    lines = ["## Results", "",
             f"From `chat.evaluate` ({link('metrics.json')}), greedy "
             "decoding. Definitions: answers and expected glosses are normalised "
             f"({d.get('normalise', 'lower case, whitespace collapsed, stripped')}); **exact** = {d.get('exact', 'normalised strings equal')}; "
             f"**fuzzy** = {d.get('fuzzy', 'difflib.SequenceMatcher ratio >= 0.8')}; token F1 = {d.get('token_f1', '-')}; a prompt is "
             f"**refused** when the {d.get('refused', 'answer starts with the refusal')}.", "",
             "| evaluation | n | exact | fuzzy | token F1 | wrongful refusals |", "|---|---|---|---|---|---|"]
    for key, label in (("gloss_trained_seen_phrasing", "meaning of trained words, training phrasing"),
                       ("gloss_trained_new_phrasing", "meaning of trained words, another phrasing"),
                       ("gloss_heldout_lemmas", "meaning of held-out lemmas")):
        g = metrics.get(key) or {}
        if g.get("n"):
            lines.append(f"| {label} | {g['n']:,} | {pct(g.get('exact'))} | {pct(g.get('fuzzy'))} | {num(g.get('mean_token_f1'))} | "
                         f"{pct(g.get('false_refusal'))} |")
            for grp in ("frequent", "random"):
                if isinstance(g.get(grp), dict):
                    lines.append(f"| … {grp} words | {g[grp]['n']:,} | {pct(g[grp].get('exact'))} | {pct(g[grp].get('fuzzy'))} | | |")
    lines += ["", "| refusal | n | refused | exact refusal sentence |", "|---|---|---|---|"]
    for key, label in (("refusal_unknown_words", "made-up words (\"I don't know the word …\")"),
                       ("refusal_offtopic", "off-topic prompts (\"Sorry, I can only answer …\")")):
        r = metrics.get(key) or {}
        if r.get("n"):
            lines.append(f"| {label} | {r['n']:,} | {pct(r.get('refused'))} | {pct(r.get('exact'))} |")
    ppl = metrics.get("heldout_perplexity") or {}
    if ppl:
        order = ["all"] + [k for k in ((stats or {}).get("kinds") or sorted(ppl)) if k in ppl and k != "all"]
        lines += ["", f"Held-out perplexity ({d.get('perplexity', 'exp(mean CE) over answer tokens')}):", "",
                  "| kind | answer tokens | loss | perplexity |", "|---|---|---|---|"]
        lines += [f"| {k} | {ppl[k]['answer_tokens']:,} | {ppl[k]['loss']:.3f} | {ppl[k]['perplexity']:.2f} |" for k in order if k in ppl]
    if stats:
        sub = [f"{(metrics.get(k) or {}).get('n', 0):,} of {stats[s]:,} {what}" for k, s, what in (
            ("gloss_trained_seen_phrasing", "eval_trained", "trained words"), ("gloss_heldout_lemmas", "eval_heldout_lemmas", "held-out lemmas"),
            ("refusal_unknown_words", "eval_unknown", "made-up words"), ("refusal_offtopic", "eval_offtopic", "off-topic prompts"))
            if s in stats and (metrics.get(k) or {}).get("n", 0) < stats[s]]
        ppl_tokens = (ppl.get("all") or {}).get("answer_tokens")
        if ppl_tokens is not None and stats.get("answer_tokens_heldout") and ppl_tokens < stats["answer_tokens_heldout"]:
            sub.append(f"{ppl_tokens:,} of {stats['answer_tokens_heldout']:,} held-out answer tokens")
        if sub:
            lines += ["", "Evaluated on a subset: " + "; ".join(sub) + "."]
    samples = metrics.get("samples") or []
    if samples:
        def short(s: str, n: int = 220) -> str:
            s = " ".join(str(s).split())
            s = printable(s)
            return s if len(s) <= n else s[:n] + " …"
        # evaluate.py's order: trained words (<= 12), made-up words (<= 4), off-topic (<= 4), held-out lemmas (<= 6)
        sizes = [("trained word", min(12, (metrics.get("gloss_trained_seen_phrasing") or {}).get("n", 0)), 4),
                 ("made-up word", min(4, (metrics.get("refusal_unknown_words") or {}).get("n", 0)), 2),
                 ("off-topic", min(4, (metrics.get("refusal_offtopic") or {}).get("n", 0)), 2),
                 ("held-out lemma", min(6, (metrics.get("gloss_heldout_lemmas") or {}).get("n", 0)), 2)]
        lines += ["", "Sample answers (from metrics.json, unedited, greedy):", ""]
        i = 0
        for label, size, take in sizes:
            for s in samples[i:i + size][:take]:
                lines.append(f"- ({label}) **Q:** {short(s['q'])}  \n  **A:** {short(s['answer'])}"
                             + (f"  \n  *expected:* {short(s['expected'])}" if "expected" in s else ""))
            i += size
    return "\n".join(lines) + "\n"


def sec_stability(stab: dict | None, md: str | None, has_png: bool, shipped_layers: int, link) -> str:
    if not stab and not md:
        return f"## Stability experiment\n\n{NOT_MEASURED} (no stability.json / stability.md).\n"
    lines = ["## Stability experiment", ""]
    setup = (stab or {}).get("setup") or {}
    if setup:
        lines.append(f"Pangu Ultra's claim at small scale (`training/chat/stability.py`): one deep, narrow model ({setup.get('layers')} "
                     f"layers × hidden {setup.get('hidden')}, {setup.get('heads')}/{setup.get('kv_heads')} heads, FFN {setup.get('ffn')}; "
                     f"not the shipped {shipped_layers}-layer model) trained with the same data order and seed at an aggressive learning "
                     f"rate ({setup.get('lr')}, warm-up {setup.get('warmup')}, batch {setup.get('batch')} × {setup.get('seq')}, "
                     f"cosine over {setup.get('steps')} steps), with different normalisation × initialisation.")
    if stab:
        lines.append(f"A loss spike is a step whose loss exceeds {stab.get('k_loss')} × the median of the previous {stab.get('window')} "
                     f"steps; a grad-norm spike exceeds {stab.get('k_grad')} × the median. Divergence: a non-finite loss, or the mean loss "
                     "of the last 10 % of steps not below 0.9 × that of the first 10 %."
                     + (f" Compared over the first {stab['common_steps']} steps (reached by every config)." if stab.get("common_steps") else ""))
    lines.append("")
    table = [l for l in (md or "").splitlines() if l.startswith("|")]
    if not table and stab:
        table = ["| config | steps | loss spikes | grad-norm spikes | diverged | final loss |", "|---|---|---|---|---|---|"] + [
            f"| {r['config']} | {r['steps']} | {r['loss_spikes']} | {r['grad_spikes']} | {'yes' if r['diverged'] else 'no'} | "
            f"{num(r.get('final_loss'))} |" for r in stab.get("configs", [])]
    lines += table
    lines.append("")
    if has_png:
        lines.append(f"Loss and grad-norm curves: {link('stability.png')} (data: {link('stability.json')}).")
    return "\n".join(lines) + "\n"


def sec_parity(parity: dict | None, ref: dict) -> str:
    lines = ["## Export check", "",
             f"reference.json: PyTorch greedy answer to \"{ref['messages'][0]['content']}\" ({len(ref['greedyTokens'])} tokens, "
             f"smallest top-2 logit gap {ref['minTop2Gap']:.4f}): “{printable(ref['greedyAnswer'])}”", ""]
    if not parity or not parity.get("ran"):
        lines.append(f"onnxruntime-web parity (`node training/chat/parity.mjs`): {NOT_MEASURED.lower()} (skipped).")
    else:
        lines.append(f"onnxruntime-web (WASM) vs PyTorch (`node training/chat/parity.mjs`): {'OK' if parity['ok'] else 'FAILED'}; greedy "
                     f"tokens {'equal' if parity.get('greedy_tokens_equal') else 'DIFFER'}.")
        lines.append("")
        lines += ["| check | max abs diff |", "|---|---|"] + [f"| {k} | {v['max_abs_diff']:.3e} {'' if v['ok'] else '(FAIL)'} |"
                                                              for k, v in parity["checks"].items()]
    return "\n".join(lines) + "\n"


def sec_reproduce(cmds: list[tuple[str, str]]) -> str:
    body = "\n".join(f"# {what}\n{cmd}" for what, cmd in cmds)
    return ("## Reproduce\n\nFrom `training/` with Debian's `/usr/bin/python3` (torch, onnx, jinja2, numpy) and `wordnet-base`; "
            "the evaluation/stability options are the ones recorded in their output files:\n\n```sh\n" + body + "\n```\n")


# ---------------------------------------------------------------------------------------------- commands
def corpus_command(data: Path, stats: dict | None) -> str:
    if not stats:
        return f"/usr/bin/python3 -m chat.corpus --out {data}   # options not recorded (no stats.json)"
    ev = read_json(data / "eval.json") or {}
    groups = [t.get("group") for t in ev.get("trained", [])]
    parts = [f"--out {data}"]
    if lemma_limited(stats):
        parts.append(f"--lemmas {stats['lemmas']}")
    parts += [f"--unknown {stats.get('pseudo_words_train')}", f"--offtopic {stats.get('offtopic_train')}"]
    if groups:
        parts += [f"--eval-frequent {groups.count('frequent')}", f"--eval-random {groups.count('random')}"]
    if stats.get("vocab_size") and stats["vocab_size"] != 4096:
        parts.append(f"--vocab {stats['vocab_size']}")
    return "/usr/bin/python3 -m chat.corpus " + " ".join(parts)


def train_command(args: dict) -> str:
    return "/usr/bin/python3 -m chat.train " + flags(args, T.parser(), always=(
        "data", "out", "norm", "init", "hidden", "layers", "heads", "kv_heads", "ffn", "seq", "batch", "lr"))


def stability_command(stab_dir: Path, stab: dict | None) -> str | None:
    if not stab:
        return None
    s = stab.get("setup") or {}
    names = [r["config"] for r in stab.get("configs", [])]
    sub = read_json(stab_dir / names[0] / "log.json") if names else None
    a = (sub or {}).get("args", {})
    parts = [f"--data {a.get('data', 'chat/data')}", f"--out {stab_dir}"]
    if a.get("device", "cpu") != "cpu":
        parts.append(f"--device {a['device']}")
    parts.append(f"--only {','.join(names)}")
    for k in ("steps", "hidden", "layers", "heads", "kv_heads", "ffn", "seq", "batch", "lr", "warmup", "seed"):
        if s.get(k) is not None:
            parts.append(f"--{k.replace('_', '-')} {s[k]}")
    if a.get("max_minutes"):
        parts.append(f"--max-minutes {round(float(a['max_minutes']) * len(names), 3):g}")
    if a.get("eval_every"):
        parts.append(f"--eval-every {a['eval_every']}")
    if stab.get("k_loss", 1.5) != 1.5:
        parts.append(f"--k {stab['k_loss']}")
    if stab.get("k_grad", 3.0) != 3.0:
        parts.append(f"--kg {stab['k_grad']}")
    return "/usr/bin/python3 -m chat.stability " + " ".join(parts)


def evaluate_command(metrics: dict | None, run: Path, data: Path) -> str | None:
    if not metrics:
        return None
    a = metrics.get("args")
    if a:
        return "/usr/bin/python3 -m chat.evaluate " + flags(a, E.parser(), always=("ckpt", "data"))
    return (f"/usr/bin/python3 -m chat.evaluate --ckpt {metrics.get('checkpoint', run / 'model.pt')} --data {data} --out {run}"
            "   # other options not recorded in metrics.json")


# ---------------------------------------------------------------------------------------------- main
def build_card(model, bpe, ck, a, *, ref, stats, log, metrics, stab, stab_md, has_png, parity, total_bytes, cmds) -> str:
    c = model.config
    n = count_parameters(model)
    link = lambda name: result_link(a, name)  # noqa: E731
    head = "\n".join([
        f"# WordNet dictionary assistant ({c.norm.upper()}, {millions(n)}) — `{MODEL_ID}`",
        "",
        f"A {n:,}-parameter chat model that answers questions about English words from WordNet 3.0: meanings (glosses), "
        "synonyms, opposites, \"is a kind of\", example sentences; it refuses made-up words and anything off-topic. Trained from "
        "scratch by this project (`training/chat/`). Every number below is read from the files named, by `training/chat/ship.py`.",
        "",
        "**Intended use:** demo, not for clinical use. A small dictionary assistant for English WordNet glosses only — "
        "**not a general chatbot**.",
        "",
    ])
    limits = "\n".join([
        "## Limitations",
        "",
        f"- Tiny model ({millions(n)} parameters): wrong or mixed-up glosses, especially for rarer words, and glosses of one word "
        "given for another; fluent text is not evidence of a correct definition. Check answers against WordNet itself.",
        "- Knows nothing outside WordNet 3.0 (a 2006 lexical database): no facts, news, maths, code or advice; it is trained to "
        "refuse everything else, and may also wrongly refuse real words or answer made-up ones.",
        f"- English only; one sense per question (the most frequent, or the part of speech asked for); context {c.max_position_embeddings} "
        "positions, trained on short conversations.",
        "",
        "## Licence",
        "",
        f"Code and weights: Apache-2.0 (`LICENSE`). Training data: WordNet 3.0, © Princeton University, {WORDNET_LICENCE}; the "
        "answers reproduce WordNet glosses and examples.",
        "",
    ])
    return "\n".join([head, sec_architecture(model, bpe), sec_files(a.out, ["model.onnx"], total_bytes), sec_data(stats, a.data),
                      sec_tokenizer(bpe), sec_training(log, ck, a.device_note, link), sec_results(metrics, stats, link),
                      sec_stability(stab, stab_md, has_png, c.num_hidden_layers, link), sec_parity(parity, ref), limits, sec_reproduce(cmds)])


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True, help="a chat.train output folder (model.pt, log.json, metrics.json)")
    ap.add_argument("--data", type=Path, required=True, help="the chat.corpus folder the run was trained on")
    ap.add_argument("--stability", type=Path, default=None, help="chat.stability output (stability.json/.md/.png)")
    ap.add_argument("--out", type=Path, default=REPO / "public/models/llm" / MODEL_ID)
    ap.add_argument("--results", type=Path, default=HERE / "results", help="where the logs/metrics/plots are copied (committed)")
    ap.add_argument("--ckpt", default="model.pt", help="checkpoint file name inside --run")
    ap.add_argument("--device-note", default=CPU_NOTE, help="how the CPU training ran (the card's device line)")
    ap.add_argument("--no-parity", action="store_true", help="skip the onnxruntime-web parity check in Node")
    return ap


def main(argv=None) -> int:
    a = parser().parse_args(argv)
    model, ck = T.load_checkpoint(a.run / a.ckpt)
    bpe = ByteLevelBPE.load(a.data / "tokenizer.json")
    assert bpe.vocab_size == model.config.vocab_size, f"tokenizer has {bpe.vocab_size} tokens, the model {model.config.vocab_size}"
    stats = read_json(a.data / "stats.json")
    log = read_json(a.run / "log.json")
    metrics = read_json(a.run / "metrics.json")
    stab = read_json(a.stability / "stability.json") if a.stability else None
    stab_md = (a.stability / "stability.md").read_text() if a.stability and (a.stability / "stability.md").is_file() else None
    png = a.stability / "stability.png" if a.stability else None
    has_png = bool(png and png.is_file())
    n = count_parameters(model)

    ref = make_reference(model, bpe, a.data)
    print(f"[ship] {n:,} parameters; greedy ({len(ref['greedyTokens'])} tokens, min top-2 gap {ref['minTop2Gap']:.4f}): "
          f"{ref['greedyAnswer']!r}", flush=True)
    if ref["minTop2Gap"] < 1e-3:
        print("[ship] warning: a greedy choice is within 1e-3 of the runner-up; parity may pick another token", flush=True)

    # the ship command as it can be rerun from training/
    me = [f"--run {a.run}", f"--data {a.data}"] + ([f"--stability {a.stability}"] if a.stability else []) + [f"--out {a.out}"]
    args_run = (log or {}).get("args") or ck.get("args") or {}
    cmds = [("corpus", corpus_command(a.data, stats)),
            ("stability experiment" if stab else "stability experiment: not run",
             stability_command(a.stability, stab) if stab else "# (no stability.json)"),
            ("training", train_command(args_run) if args_run else "# (no training arguments recorded)"),
            ("evaluation", evaluate_command(metrics, a.run, a.data) or "# (no metrics.json)"),
            ("export (this folder, with the parity check)", "/usr/bin/python3 -m chat.ship " + " ".join(me))]

    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "reference.json").write_text(json.dumps(ref) + "\n")
    source = {"code": "training/chat (model.py, train.py, export.py, ship.py)",
              "data": f"WordNet 3.0 (Debian wordnet-base), {WORDNET_LICENCE}",
              "weights": (f"trained from scratch by training/chat/train.py: {log.get('steps_done'):,} steps, {log.get('tokens_seen'):,} tokens"
                          if log else "trained from scratch by training/chat/train.py"),
              "results": rel(a.results)}
    card_args = dict(ref=ref, stats=stats, log=log, metrics=metrics, stab=stab, stab_md=stab_md, has_png=has_png, cmds=cmds)
    name = f"WordNet dictionary assistant ({model.config.norm.upper()}, {millions(n)})"
    manifest = write_model_folder(model, bpe, a.out, model_id=MODEL_ID, name=name, intended_use=INTENDED_USE, source=source,
                                  card=build_card(model, bpe, ck, a, parity=None, total_bytes=0, **card_args),
                                  extra_files={"reference.json": "reference"})
    parity = run_parity(a.out) if not a.no_parity else {"ran": False}
    if parity["ran"]:
        print("\n".join(parity["output"]), flush=True)

    # the card states the folder's total size, which includes the card and the manifest: iterate to a fixed point
    files = [f["path"] for f in manifest["files"]]
    total = 0
    for _ in range(6):
        card = build_card(model, bpe, ck, a, parity=parity, total_bytes=total, **card_args)
        (a.out / "MODEL_CARD.md").write_text(card)
        for f in manifest["files"]:
            f["bytes"], f["sha256"] = (a.out / f["path"]).stat().st_size, sha256(a.out / f["path"])
        (a.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        new_total = sum((a.out / p).stat().st_size for p in files + ["manifest.json"])
        if new_total == total:
            break
        total = new_total
    stray = sorted(p.name for p in a.out.iterdir() if p.name not in files + ["manifest.json"])
    if stray:
        print(f"[ship] warning: files in {a.out} not in the manifest: {stray}", flush=True)

    a.results.mkdir(parents=True, exist_ok=True)
    copied = []
    for src in [a.run / "log.json", a.run / "metrics.json"] + ([a.stability / f"stability.{e}" for e in ("json", "md", "png")] if a.stability else []):
        if src.is_file():
            shutil.copyfile(src, a.results / src.name)
            copied.append(src.name)
    summary = {"model_id": MODEL_ID, "name": name, "parameters": n, "run": str(a.run), "checkpoint_step": ck.get("step"),
               "folder": rel(a.out), "folder_bytes": total, "model_onnx_bytes": (a.out / "model.onnx").stat().st_size,
               "greedy": {"question": QUESTION, "tokens": ref["greedyTokens"], "answer": ref["greedyAnswer"], "min_top2_gap": ref["minTop2Gap"]},
               "parity": parity, "copied": copied}
    (a.results / "ship.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    print(f"[ship] wrote {a.out} ({total:,} bytes; model.onnx {summary['model_onnx_bytes']:,}); copied {copied} + ship.json into {a.results}",
          flush=True)
    return 0 if (not parity["ran"] or parity["ok"]) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
