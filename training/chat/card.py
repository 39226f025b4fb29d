"""MODEL_CARD.md of a shipped chat model, built only from files (config, data/stats.json, run/log.json + the
checkpoint's args, run/metrics.json, stability.json/.md, the parity run): a section whose file is missing says "not
measured". chat.ship gathers the files and writes the card; the Reproduce commands come from there too."""
from __future__ import annotations

import math
import os
from pathlib import Path

from common.card import NOT_MEASURED, not_measured, section, table
from common.export import REPO

from .bpe import ByteLevelBPE
from .model import count_parameters

MODEL_ID = "wordnet-dssn"
WORDNET_LICENCE = "WordNet 3.0 license (permissive, BSD-like)"


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
    rows = [
        ["layers", L],
        ["hidden size", c.hidden_size],
        ["attention", f"grouped-query: {c.num_attention_heads} query heads / {c.num_key_value_heads} KV heads, head dim {c.head_dim}, "
                      f"RoPE θ {c.rope_theta:g}"],
        ["FFN", f"SwiGLU, {c.intermediate_size}"],
        ["vocabulary", f"{c.vocab_size:,}"],
        ["context (positions)", c.max_position_embeddings],
        ["parameters", f"{count_parameters(model):,} ({'tied' if c.tie_word_embeddings else 'untied'} embeddings / LM head)"],
        ["normalisation", f"{norm}, ε {c.rms_norm_eps:g}"],
        ["initialisation", init],
    ]
    return section("Architecture", "The project's Pangu-style decoder (`training/chat/model.py`), from `config.json`:", "",
                   *table(["", ""], rows))


def sec_files(out: Path, names: list[str], total: int) -> str:
    sizes = {n: (out / n).stat().st_size for n in names if (out / n).exists()}
    return section(
        "Files",
        f"`model.onnx` (float32, opset 17, decoder-with-past signature): {sizes.get('model.onnx', 0):,} bytes; the whole folder: "
        f"{total:,} bytes ({total / 2**20:.2f} MiB). Also config.json, generation_config.json, tokenizer.json, tokenizer_config.json "
        "(chat template), reference.json (PyTorch greedy tokens and first-step logits for the parity checks), LICENSE, "
        "manifest.json (bytes + SHA-256 of every file).",
    )


def lemma_limited(stats: dict) -> bool:
    """Whether the corpus kept only the N most frequent lemmas (`--lemmas N`): all of WordNet has ~147k lemma strings
    for ~155k (lemma, part of speech) index entries."""
    return stats.get("lemmas", 0) < stats.get("index_entries", 0) // 2


def sec_data(stats: dict | None, data: Path) -> str:
    if not stats:
        return not_measured("Training data", f" (`{rel(data)}/stats.json` missing).")
    kinds = stats.get("kinds") or sorted(set(stats.get("train_by_kind", {})) | set(stats.get("heldout_by_kind", {})))
    rows = [[k, f"{stats.get('train_by_kind', {}).get(k, 0):,}", f"{stats.get('heldout_by_kind', {}).get(k, 0):,}"] for k in kinds]
    rows.append(["**total**", f"{stats.get('conversations_train', 0):,}", f"{stats.get('conversations_heldout', 0):,}"])
    scope = (f"the {stats['lemmas']:,} most frequent lemmas by WordNet's tagged sense counts (`cntlist.rev`)"
             if lemma_limited(stats) else f"all {stats.get('lemmas', 0):,} lemmas")
    return section(
        "Training data",
        f"WordNet 3.0 (Princeton), read from Debian's `wordnet-base` (`/usr/share/wordnet`); licence: {WORDNET_LICENCE}. "
        f"Every answer is built deterministically from WordNet by `training/chat/corpus.py`. Scope: {scope}, of "
        f"{stats.get('synsets', 0):,} synsets / {stats.get('index_entries', 0):,} index entries. No system prompt.",
        "",
        *table(["conversation kind", "train", "held-out"], rows),
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
    )


def sec_tokenizer(bpe: ByteLevelBPE) -> str:
    return section(
        "Tokenizer",
        f"Byte-level BPE (GPT-2 pre-tokenizer; `training/chat/bpe.py`), vocabulary {bpe.vocab_size:,} = 256 bytes + "
            f"{len(bpe.merges):,} merges + {len(bpe.special_tokens)} special tokens ({', '.join(f'`{t}`' for t in bpe.special_tokens)}), "
            "trained on the training conversations. Chat template: `<|endoftext|>` then `<|role|>\\n{content}<|end|>\\n` per "
        "message, `<|assistant|>\\n` to answer; generation stops at `<|end|>` or `<|endoftext|>`.")


def sec_training(log: dict | None, ck: dict, device_note: str, link) -> str:
    args = (log or {}).get("args") or ck.get("args") or {}
    if not log and not args:
        return not_measured("Training", " (no log.json and no arguments in the checkpoint).")
    lines = []
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
    return section("Training", *lines)


def sec_results(metrics: dict | None, stats: dict | None, link) -> str:
    if not metrics:
        return not_measured("Results", ": no `metrics.json` (run `chat.evaluate`).")
    d = metrics.get("definitions", {})
    lines = [f"From `chat.evaluate` ({link('metrics.json')}), greedy "
             "decoding. Definitions: answers and expected glosses are normalised "
             f"({d.get('normalise', 'lower case, whitespace collapsed, stripped')}); **exact** = {d.get('exact', 'normalised strings equal')}; "
             f"**fuzzy** = {d.get('fuzzy', 'difflib.SequenceMatcher ratio >= 0.8')}; token F1 = {d.get('token_f1', '-')}; a prompt is "
             f"**refused** when the {d.get('refused', 'answer starts with the refusal')}.", ""]
    glosses = []
    for key, label in (("gloss_trained_seen_phrasing", "meaning of trained words, training phrasing"),
                       ("gloss_trained_new_phrasing", "meaning of trained words, another phrasing"),
                       ("gloss_heldout_lemmas", "meaning of held-out lemmas")):
        g = metrics.get(key) or {}
        if g.get("n"):
            glosses.append([label, f"{g['n']:,}", pct(g.get("exact")), pct(g.get("fuzzy")), num(g.get("mean_token_f1")),
                            pct(g.get("false_refusal"))])
            glosses += [[f"… {grp} words", f"{g[grp]['n']:,}", pct(g[grp].get("exact")), pct(g[grp].get("fuzzy")), "", ""]
                        for grp in ("frequent", "random") if isinstance(g.get(grp), dict)]
    lines += table(["evaluation", "n", "exact", "fuzzy", "token F1", "wrongful refusals"], glosses)
    refusals = [[label, f"{r['n']:,}", pct(r.get("refused")), pct(r.get("exact"))] for r, label in (
        (metrics.get("refusal_unknown_words") or {}, "made-up words (\"I don't know the word …\")"),
        (metrics.get("refusal_offtopic") or {}, "off-topic prompts (\"Sorry, I can only answer …\")")) if r.get("n")]
    lines += ["", *table(["refusal", "n", "refused", "exact refusal sentence"], refusals)]
    ppl = metrics.get("heldout_perplexity") or {}
    if ppl:
        order = ["all"] + [k for k in ((stats or {}).get("kinds") or sorted(ppl)) if k in ppl and k != "all"]
        lines += ["", f"Held-out perplexity ({d.get('perplexity', 'exp(mean CE) over answer tokens')}):", ""]
        lines += table(["kind", "answer tokens", "loss", "perplexity"],
                       ([k, f"{ppl[k]['answer_tokens']:,}", f"{ppl[k]['loss']:.3f}", f"{ppl[k]['perplexity']:.2f}"] for k in order if k in ppl))
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
    return section("Results", *lines)


GROUNDING_SETS = {
    "trained": "trained lemmas, their training question (training distribution)",
    "heldout": "the corpus's held-out lemmas (never in a training conversation), unseen phrasings",
    "untrained": "WordNet lemmas outside the 1,500 trained, unseen phrasings",
    "unknown": "made-up words (held out), training phrasings",
    "offtopic": "off-topic prompts (fillers held out; half of the templates are training ones)",
    "issue": "the 8 questions of a first-time user (issue 11)",
}


def sec_grounding(g: dict | None, link) -> str:
    """What a studio user sees: the answers after the WordNet check (scripts/chat-grounding.ts -> grounding.json)."""
    if not g:
        return not_measured("In the studio: every answer checked against WordNet", " (no `grounding.json`: run `npx tsx scripts/chat-grounding.ts`).")
    pct = lambda n, d: f"{100 * n / d:.1f} %" if d else "—"  # noqa: E731
    rows = ["| set | questions | shown, right | shown, no answer (a refusal) | shown, wrong | hidden (the WordNet entry is shown instead) |",
            "|---|---|---|---|---|---|"]
    for name, t in g["sets"].items():
        rows.append(f"| {GROUNDING_SETS.get(name, name)} | {t['questions']} | {pct(t['shownRight'], t['questions'])} | "
                    f"{pct(t['shownNoAnswer'], t['questions'])} | {pct(t['shownWrong'], t['questions'])} | {pct(t['hidden'], t['questions'])} |")
    wrong = sum(t["shownWrong"] for t in g["sets"].values())
    unk = g["sets"].get("unknown", {})
    held = g["sets"].get("heldout", {})
    return section(
        "In the studio: every answer checked against WordNet",
        "The studio (and `npm run -s infer -- chat`) checks each answer against the WordNet 3.0 lexicon that the manifest names "
        "(`retrieval`: `public/models/chat/lexicon/`, every lemma) before showing it (`src/tasks/chat/core/grounding.ts`): the "
        "answer's headword must be the word asked (through WordNet's morphology), and what it says (gloss, synonyms, opposite, "
        "category) must be in that word's entry. Otherwise the answer is hidden, a notice says why, and the WordNet entry of the "
        "word asked is shown as the source, never as the model's words. A shown answer is judged again by the script, apart "
        "from the check (right: about the word asked and in its entry; for off-topic prompts, the refusal). Measured by `npx tsx scripts/chat-grounding.ts` ({g['decoding']}) on the sets of "
        f"`python -m chat.grounding_sets` → {link('grounding.json')}:",
        "",
        *rows,
        "",
        f"- Shown answers that define another word or say what the entry lacks: **{wrong}** in all sets.",
        f"- The model alone still answers only words it was trained on: of the {held.get('questions', 0)} held-out lemmas it "
        f"gets {held.get('shownRight', 0)} right; the rest are hidden and answered by the entry. Its own refusals of made-up "
        f"words misquote the word ({unk.get('refusedQuotingWord', 0)} of {unk.get('questions', 0)} quote it exactly), so "
        "they are hidden too; the studio's notice quotes the word as typed and suggests WordNet spellings near it. "
        "A model that writes its answer from the entry in the prompt is not trained yet.",
    )


def sec_stability(stab: dict | None, md: str | None, has_png: bool, shipped_layers: int, link) -> str:
    if not stab and not md:
        return not_measured("Stability experiment", " (no stability.json / stability.md).")
    lines = []
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
    rows = [l for l in (md or "").splitlines() if l.startswith("|")]
    if not rows and stab:
        rows = table(["config", "steps", "loss spikes", "grad-norm spikes", "diverged", "final loss"],
                     ([r["config"], r["steps"], r["loss_spikes"], r["grad_spikes"], "yes" if r["diverged"] else "no",
                       num(r.get("final_loss"))] for r in stab.get("configs", [])))
    lines += rows
    lines.append("")
    if has_png:
        lines.append(f"Loss and grad-norm curves: {link('stability.png')} (data: {link('stability.json')}).")
    return section("Stability experiment", *lines)


def sec_parity(parity: dict | None, ref: dict) -> str:
    lines = [f"reference.json: PyTorch greedy answer to \"{ref['messages'][0]['content']}\" ({len(ref['greedyTokens'])} tokens, "
             f"smallest top-2 logit gap {ref['minTop2Gap']:.4f}): “{printable(ref['greedyAnswer'])}”", ""]
    if not parity or not parity.get("ran"):
        lines.append(f"onnxruntime-web parity (`node training/chat/parity.mjs`): {NOT_MEASURED.lower()} (skipped).")
    else:
        lines.append(f"onnxruntime-web (WASM) vs PyTorch (`node training/chat/parity.mjs`): {'OK' if parity['ok'] else 'FAILED'}; greedy "
                     f"tokens {'equal' if parity.get('greedy_tokens_equal') else 'DIFFER'}.")
        lines.append("")
        lines += table(["check", "max abs diff"],
                       ([k, f"{v['max_abs_diff']:.3e} {'' if v['ok'] else '(FAIL)'}"] for k, v in parity["checks"].items()))
    return section("Export check", *lines)


def sec_reproduce(cmds: list[tuple[str, str]]) -> str:
    return section("Reproduce", "From `training/` with Debian's `/usr/bin/python3` (torch, onnx, jinja2, numpy) and `wordnet-base`; "
                   "the evaluation/stability options are the ones recorded in their output files:", "",
                   "```sh", *(f"# {what}\n{cmd}" for what, cmd in cmds), "```")


def build_card(model, bpe, ck, a, *, ref, stats, log, metrics, stab, stab_md, has_png, parity, total_bytes, cmds, grounding=None) -> str:
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
        "**Intended use:** a demo dictionary assistant for English words (WordNet 3.0 glosses, synonyms, opposites, "
        "examples) — **not a general chatbot**. In the studio every answer is checked against the WordNet lexicon "
        "(`public/models/chat/lexicon/`) before it is shown: an answer about another word than the one asked is hidden "
        "and the WordNet entry is shown instead.",
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
                      sec_tokenizer(bpe), sec_training(log, ck, a.device_note, link), sec_results(metrics, stats, link), sec_grounding(grounding, link),
                      sec_stability(stab, stab_md, has_png, c.num_hidden_layers, link), sec_parity(parity, ref), limits, sec_reproduce(cmds)])

