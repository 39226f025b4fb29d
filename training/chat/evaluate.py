"""Evaluates a trained dictionary assistant (model.pt or model_fp16.pt) on chat/data/eval.json and heldout.npz.

    /usr/bin/python3 -m chat.evaluate --ckpt chat/runs/tiny/model.pt --data chat/data --out chat/runs/tiny --limit 20

Batched greedy decoding with the KV cache (left padding: attention_mask 0 on the pads, position_ids counted from the
first real token), `--max-new` tokens at most, stop at `<|end|>` / `<|endoftext|>`.
  - gloss match on trained words (eval.json "trained", with the phrasing used in training and with another one):
      exact  = normalise(answer) == normalise(expected), normalise = lower case, whitespace collapsed, stripped
      fuzzy  = difflib.SequenceMatcher(None, normalise(answer), normalise(expected)).ratio() >= 0.8
      also the mean token F1 (whitespace tokens of the normalised strings, multiset overlap)
  - refusals: a made-up word is refused when the answer starts with "I don't know the word"; an off-topic prompt when
    it starts with "Sorry, I can only answer" (the first words of the fixed replies); also the false-refusal rate on
    trained words and the exact rate of the full refusal sentence
  - held-out perplexity: exp(mean CE) over the answer tokens (loss mask 1) of held-out conversations, per kind too
Writes metrics.json (with a few sample answers) into --out.

With --grounded (a model trained on chat/grounded_corpus.ts's conversations; --data holds its eval.json), the six
measures of issue 11 instead, each prompt with the studio's context block (`grounded_metrics`) -> grounded_metrics.json.
"""
from __future__ import annotations

import argparse
import difflib
import json
import math
import random
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

import torch
import torch.nn.functional as F

from .bpe import ByteLevelBPE
from .train import autocast, load_checkpoint, read_npz

UNKNOWN_PREFIX = "I don't know the word"
OFFTOPIC_PREFIX = "Sorry, I can only answer"


def normalise(s: str) -> str:
    return re.sub(r"\s+", " ", s.strip().lower())


def token_f1(a: str, b: str) -> float:
    ta, tb = normalise(a).split(), normalise(b).split()
    if not ta and not tb:
        return 1.0
    common = sum((Counter(ta) & Counter(tb)).values())
    if common == 0:
        return 0.0
    p, r = common / len(ta), common / len(tb)
    return 2 * p * r / (p + r)


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalise(a), normalise(b)).ratio()


def match(answer: str, expected: str, threshold: float = 0.8) -> dict:
    return {"exact": normalise(answer) == normalise(expected), "fuzzy": similarity(answer, expected) >= threshold,
            "f1": token_f1(answer, expected), "ratio": similarity(answer, expected)}


def prompt_ids(bpe: ByteLevelBPE, question: str) -> list[int]:
    return bpe.encode(f"<|endoftext|><|user|>\n{question}<|end|>\n<|assistant|>\n")


@torch.no_grad()
def generate(model, prompts: list[list[int]], max_new: int, eos: set[int], pad: int, device: str) -> list[list[int]]:
    """Greedy, batched, left-padded, with the KV cache."""
    b = len(prompts)
    L = max(len(p) for p in prompts)
    ids = torch.full((b, L), pad, dtype=torch.long)
    am = torch.zeros((b, L), dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, L - len(p):] = torch.tensor(p)
        am[i, L - len(p):] = 1
    ids, am = ids.to(device), am.to(device)
    pos = (am.cumsum(-1) - 1).clamp(min=0)
    with autocast(device):
        logits, past = model(ids, am, pos)
    out = [[] for _ in range(b)]
    done = [False] * b
    last_pos = pos[:, -1:]
    for _ in range(max_new):
        nxt = logits[:, -1].float().argmax(-1)
        for i, t in enumerate(nxt.tolist()):  # one device sync per step
            if not done[i]:
                out[i].append(t)
                done[i] = t in eos
        if all(done):
            break
        am = torch.cat([am, torch.ones(b, 1, dtype=torch.long, device=device)], 1)
        last_pos = last_pos + 1
        with autocast(device):
            logits, past = model(nxt[:, None], am, last_pos, past)
    return out


def answer_texts(model, bpe, questions: list[str], args, eos: set[int], pad: int) -> list[str]:
    res = []
    order = sorted(range(len(questions)), key=lambda i: len(questions[i]))  # similar lengths together
    texts = [""] * len(questions)
    for s in range(0, len(order), args.batch):
        idx = order[s:s + args.batch]
        gen = generate(model, [prompt_ids(bpe, questions[i]) for i in idx], args.max_new, eos, pad, args.device)
        for i, g in zip(idx, gen):
            g = [t for t in g if t not in eos]
            texts[i] = bpe.decode(g, skip_special=True).strip()
    res = texts
    return res


@torch.no_grad()
def heldout_perplexity(model, data: Path, args, kinds: list[str]) -> dict:
    z = read_npz(data / "heldout.npz")
    tokens, mask, offsets, kind_ids = z["tokens"], z["mask"].float(), z["offsets"].tolist(), z["kinds"].tolist()
    n_docs = len(offsets) - 1
    docs = list(range(n_docs))
    random.Random(0).shuffle(docs)
    if args.limit_ppl:
        docs = docs[:args.limit_ppl]
    tot, cnt = defaultdict(float), defaultdict(float)
    for s in range(0, len(docs), args.batch):
        chunk = docs[s:s + args.batch]
        L = min(max(offsets[d + 1] - offsets[d] for d in chunk), 1024)
        x = torch.zeros((len(chunk), L), dtype=torch.long)
        m = torch.zeros((len(chunk), L))
        am = torch.zeros((len(chunk), L), dtype=torch.long)
        for i, d in enumerate(chunk):
            a, b = offsets[d], min(offsets[d + 1], offsets[d] + L)
            x[i, :b - a] = tokens[a:b]
            m[i, :b - a] = mask[a:b]
            am[i, :b - a] = 1
        x, m, am = x.to(args.device), m.to(args.device), am.to(args.device)
        with autocast(args.device):
            logits, _ = model(x, am)
        ce = F.cross_entropy(logits[:, :-1].float().flatten(0, 1), x[:, 1:].flatten(), reduction="none").view(len(chunk), -1)
        per = (ce * m[:, 1:]).sum(-1).tolist()
        c = m[:, 1:].sum(-1).tolist()
        for i, d in enumerate(chunk):
            k = kinds[kind_ids[d]]
            for key in ("all", k):
                tot[key] += per[i]
                cnt[key] += c[i]
    return {k: {"answer_tokens": int(cnt[k]), "loss": tot[k] / max(cnt[k], 1), "perplexity": math.exp(min(tot[k] / max(cnt[k], 1), 50))}
            for k in tot}


# ---------------------------------------------------------------------------------------------- grounded model
STOP = set("a an the of to in and or for on by with as at from that which who is are be its it this into".split())
HEAD_RE = re.compile(r"^(.{1,80}?) \((noun|verb|adjective|adverb)\)")


def headword(answer: str) -> str | None:
    """`bread (noun)` of an answer in the grounded model's forms, None for refusals and greetings."""
    m = HEAD_RE.match(answer.strip())
    return f"{m.group(1).lower()} ({m.group(2)})" if m else None


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+(?:['-][a-z0-9]+)*", text.lower()) if len(w) >= 3 and w not in STOP]


def keyword_match(answer: str, expected: str, need: float = 0.8) -> bool:
    """Key-word accuracy: the headword (word and part of speech) is the expected one and >= `need` of the expected
    answer's content words (3+ letters, no function words) are in the answer."""
    if headword(answer) != headword(expected):
        return False
    want = content_words(expected)
    got = set(content_words(answer))
    return not want or sum(w in got for w in want) / len(want) >= need


def grounded_prompt(bpe: ByteLevelBPE, messages: list[dict]) -> list[int]:
    text = "<|endoftext|>" + "".join(f"<|{m['role']}|>\n{m['content']}<|end|>\n" for m in messages) + "<|assistant|>\n"
    return bpe.encode(text)


def grounded_texts(model, bpe, prompts: list[list[int]], args, eos: set[int], pad: int) -> list[str]:
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    texts = [""] * len(prompts)
    for s in range(0, len(order), args.batch):
        idx = order[s:s + args.batch]
        for i, g in zip(idx, generate(model, [prompts[i] for i in idx], args.max_new, eos, pad, args.device)):
            texts[i] = bpe.decode([t for t in g if t not in eos], skip_special=True).strip()
    return texts


def grounded_metrics(ev: dict, answers: dict[str, list[str]]) -> dict:
    """The six measures of issue 11 from eval.json's sets and the model's answers to them."""
    def defines(items, ans):
        r = {"n": len(items), "exact": sum(normalise(a) == normalise(t["expected"]) for t, a in zip(items, ans)) / max(len(items), 1),
             "keyword": sum(keyword_match(a, t["expected"]) for t, a in zip(items, ans)) / max(len(items), 1)}
        r["different_word"] = sum(headword(a) is not None and headword(a) != headword(t["expected"]) for t, a in zip(items, ans))
        return r
    out = {"a_heldout_lemmas_heldout_phrasings": defines(ev["a_heldout_lemmas"], answers["a"]),
           "b_trained_lemmas_heldout_phrasings": defines(ev["b_trained_lemmas"], answers["b"])}
    out["a_heldout_lemmas_heldout_phrasings"]["lookup_missed_before_the_model"] = ev.get("a_lookup_missed", 0)
    unk = ev["c_unknown"]
    c = answers["c"]
    out["c_made_up_words"] = {
        "n": len(unk),
        "refused_quoting_exactly": sum(a.startswith(f'I don\'t know the word "{u["word"]}"') for u, a in zip(unk, c)) / max(len(unk), 1),
        "exact": sum(normalise(a) == normalise(u["expected"]) for u, a in zip(unk, c)) / max(len(unk), 1),
        "different_word": sum(headword(a) is not None for a in c)}
    off = ev["d_offtopic"]
    out["d_offtopic"] = {"n": len(off), "refused": sum(a.startswith(OFFTOPIC_PREFIX) for a in answers["d"]) / max(len(off), 1),
                         "exact": sum(normalise(a) == normalise(o["expected"]) for o, a in zip(off, answers["d"])) / max(len(off), 1)}
    out["e_followups"] = defines(ev["e_followups"], answers["e"])
    by = defaultdict(list)
    for t, a in zip(ev["e_followups"], answers["e"]):
        by[t["follow"]].append(normalise(a) == normalise(t["expected"]))
    out["e_followups"]["exact_by_kind"] = {k: round(sum(v) / len(v), 3) for k, v in sorted(by.items())}
    out["f_different_word"] = {"count": sum(out[k]["different_word"] for k in ("a_heldout_lemmas_heldout_phrasings", "b_trained_lemmas_heldout_phrasings", "c_made_up_words", "e_followups")),
                               "of": len(ev["a_heldout_lemmas"]) + len(ev["b_trained_lemmas"]) + len(unk) + len(ev["e_followups"])}
    return out


def grounded_main(args) -> int:
    t0 = time.time()
    out = args.out or args.ckpt.parent
    bpe = ByteLevelBPE.load(args.tokenizer or args.data / "tokenizer.json")
    model, ck = load_checkpoint(args.ckpt, args.device)
    eos, pad = set(model.config.eos_token_id), model.config.pad_token_id
    ev = json.loads((args.data / "eval.json").read_text())
    if args.limit:
        ev = {k: (v[:args.limit] if isinstance(v, list) else v) for k, v in ev.items()}
    keys = {"a": "a_heldout_lemmas", "b": "b_trained_lemmas", "c": "c_unknown", "d": "d_offtopic", "e": "e_followups"}
    flat = [(k, grounded_prompt(bpe, item["messages"])) for k, name in keys.items() for item in ev[name]]
    texts = grounded_texts(model, bpe, [p for _, p in flat], args, eos, pad)
    answers = {k: [t for (kk, _), t in zip(flat, texts) if kk == k] for k in keys}
    metrics = {"checkpoint": str(args.ckpt), "step": ck.get("step"), "parameters": ck.get("parameters"),
               "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
               "definitions": {"exact": "normalised answer (lower case, whitespace collapsed) equals the expected one",
                               "keyword": "headword and part of speech right, and >= 80 % of the expected answer's content words (3+ letters, no function words) present",
                               "refused_quoting_exactly": "the answer starts with 'I don't know the word \"<the word as typed>\"' (case and spelling as typed)",
                               "different_word": "the answer defines a word (`word (pos)` headword) other than the one asked; any definition counts for a made-up word",
                               "prompts": "eval.json: each with the studio's context block (src/tasks/chat/core/context.ts) built by the studio's lookup"},
               **grounded_metrics(ev, answers)}
    metrics["samples"] = {name: [{"q": item["messages"][-1]["content"], "expected": item["expected"], "answer": a}
                                 for item, a in list(zip(ev[name], answers[k]))[:6]] for k, name in keys.items()}
    metrics["different_word_answers"] = [{"set": name, "q": item["messages"][-1]["content"], "expected": item["expected"], "answer": a}
                                         for k, name in keys.items() if k in "abce" for item, a in zip(ev[name], answers[k])
                                         if headword(a) is not None and (k == "c" or headword(a) != headword(item["expected"]))]
    metrics["seconds"] = round(time.time() - t0, 1)
    (out / "grounded_metrics.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in metrics.items() if k not in ("samples", "definitions", "args", "different_word_answers")}, indent=1))
    return 0


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=Path("chat/data"))
    ap.add_argument("--tokenizer", type=Path, default=None, help="default: <data>/tokenizer.json")
    ap.add_argument("--out", type=Path, default=None, help="default: the checkpoint's folder")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--limit", type=int, default=0, help="at most N prompts per group (0 = all)")
    ap.add_argument("--limit-ppl", type=int, default=0, help="at most N held-out conversations (0 = all)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--max-new", type=int, default=96)
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--grounded", action="store_true", help="the six measures of a grounded model (grounded_metrics.json)")
    return ap


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if args.grounded:
        return grounded_main(args)
    t0 = time.time()
    if args.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = True
    out = args.out or args.ckpt.parent
    out.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPE.load(args.tokenizer or args.data / "tokenizer.json")
    model, ck = load_checkpoint(args.ckpt, args.device)
    eos = set(model.config.eos_token_id)
    pad = model.config.pad_token_id
    ev = json.loads((args.data / "eval.json").read_text())
    stats = json.loads((args.data / "stats.json").read_text())
    lim = (lambda xs: xs[:args.limit]) if args.limit else (lambda xs: xs)
    # spread the limit over both groups of trained words
    trained = ev["trained"]
    if args.limit:
        fr = [t for t in trained if t["group"] == "frequent"]
        rd = [t for t in trained if t["group"] == "random"]
        trained = fr[:(args.limit + 1) // 2] + rd[:args.limit // 2]
    unknown, offtopic, held = lim(ev["unknown"]), lim(ev["offtopic"]), lim(ev["heldout_lemmas"])
    qs = ([t["question"] for t in trained] + [t["question_alt"] for t in trained] + [u["question"] for u in unknown]
          + [o["question"] for o in offtopic] + [h["question"] for h in held])
    answers = answer_texts(model, bpe, qs, args, eos, pad)
    n = len(trained)
    a_seen, a_alt = answers[:n], answers[n:2 * n]
    a_unk = answers[2 * n:2 * n + len(unknown)]
    a_off = answers[2 * n + len(unknown):2 * n + len(unknown) + len(offtopic)]
    a_held = answers[2 * n + len(unknown) + len(offtopic):]
    t_gen = time.time() - t0

    def gloss_metrics(items, ans):
        ms = [match(a, t["expected"], args.threshold) for t, a in zip(items, ans)]
        if not ms:
            return {"n": 0}
        r = {"n": len(ms), "exact": sum(m["exact"] for m in ms) / len(ms), "fuzzy": sum(m["fuzzy"] for m in ms) / len(ms),
             "mean_token_f1": sum(m["f1"] for m in ms) / len(ms), "mean_ratio": sum(m["ratio"] for m in ms) / len(ms),
             "false_refusal": sum(a.startswith(UNKNOWN_PREFIX) or a.startswith(OFFTOPIC_PREFIX) for a in ans) / len(ms)}
        groups = sorted({t.get("group", "all") for t in items})
        if len(groups) > 1:
            for g in groups:
                sel = [m for t, m in zip(items, ms) if t.get("group") == g]
                r[g] = {"n": len(sel), "exact": sum(m["exact"] for m in sel) / len(sel), "fuzzy": sum(m["fuzzy"] for m in sel) / len(sel)}
        return r

    def refusal(items, ans, prefix):
        if not items:
            return {"n": 0}
        return {"n": len(items), "refused": sum(a.startswith(prefix) for a in ans) / len(items),
                "exact": sum(normalise(a) == normalise(t["expected"]) for t, a in zip(items, ans)) / len(items)}

    metrics = {
        "checkpoint": str(args.ckpt), "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "step": ck.get("step"), "parameters": ck.get("parameters"), "config": ck.get("config"),
        "definitions": {"normalise": "lower case, whitespace collapsed, stripped", "exact": "normalised strings equal",
                        "fuzzy": f"difflib.SequenceMatcher ratio of the normalised strings >= {args.threshold}",
                        "token_f1": "multiset overlap F1 of whitespace tokens", "refused": "answer starts with the refusal's first words",
                        "perplexity": "exp(mean CE) over answer tokens (loss mask 1) of held-out conversations"},
        "gloss_trained_seen_phrasing": gloss_metrics(trained, a_seen),
        "gloss_trained_new_phrasing": gloss_metrics(trained, a_alt),
        "gloss_heldout_lemmas": gloss_metrics(held, a_held),
        "refusal_unknown_words": refusal(unknown, a_unk, UNKNOWN_PREFIX),
        "refusal_offtopic": refusal(offtopic, a_off, OFFTOPIC_PREFIX),
        "generation_seconds": round(t_gen, 1),
    }
    metrics["heldout_perplexity"] = heldout_perplexity(model, args.data, args, stats["kinds"])
    metrics["samples"] = ([{"q": t["question"], "expected": t["expected"], "answer": a} for t, a in list(zip(trained, a_seen))[:12]]
                          + [{"q": u["question"], "answer": a} for u, a in list(zip(unknown, a_unk))[:4]]
                          + [{"q": o["question"], "answer": a} for o, a in list(zip(offtopic, a_off))[:4]]
                          + [{"q": h["question"], "expected": h["expected"], "answer": a} for h, a in list(zip(held, a_held))[:6]])
    metrics["seconds"] = round(time.time() - t0, 1)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n")
    short = {k: v for k, v in metrics.items() if k not in ("samples", "config", "definitions")}
    print(json.dumps(short, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
