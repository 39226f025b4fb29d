"""Turns a trained run into the studio's shipped chat-model folder (CLI).

    cd training && /usr/bin/python3 -m chat.ship --run chat/runs/cpu1500 --data chat/data1500 \\
        --stability chat/runs/stability --out ../public/models/chat/wordnet-dssn [--no-parity]

  1. loads <run>/model.pt (train.load_checkpoint) and <data>/tokenizer.json;
  2. reference.json (the format of make_tiny.py, read by parity.mjs and the studio's tests): the question
     "What does car mean?" (one user message, no system prompt: the corpus has none), PyTorch's greedy tokens with
     the KV cache until EOS or 48 tokens, the greedy text, the first step's logits, the smallest top-2 logit gap and a
     tokenizer check (make_tiny's edge cases + glosses from <data>/eval.json);
  3. the folder (export.write_model_folder: model.onnx, config, tokenizer files, MODEL_CARD.md, LICENSE, manifest.json);
  4. `node training/chat/parity.mjs <out>` (unless --no-parity); its max abs diffs go into the card;
  5. MODEL_CARD.md (chat/card.py) built from files only (config, data/stats.json, run/log.json + the checkpoint's
     args, run/metrics.json, stability.json/.md): a section whose file is missing says "not measured";
  6. copies log.json, metrics.json, stability.{json,md,png} and ship.json (what this script measured) into
     --results (default training/chat/results/, committed), which the card points to.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import torch

from common.card import read_json
from common.export import REPO, sha256

from . import evaluate as E
from . import train as T
from .bpe import ByteLevelBPE
from .card import MODEL_ID, WORDNET_LICENCE, build_card, lemma_limited, millions, rel
from .export import render_chat, write_model_folder
from .make_tiny import TOKENIZER_CHECK
from .model import count_parameters

HERE = Path(__file__).resolve().parent
QUESTION = "What does car mean?"
MAX_NEW = 48
INTENDED_USE = ("a small dictionary assistant for English words, trained on WordNet 3.0 (a demo, not a general chatbot); "
                "its answers are checked against the WordNet lexicon before they are shown")
# The reference the studio checks each answer against (src/tasks/chat/core/grounding.ts); built by chat.lexicon.
RETRIEVAL = {"lexicon": "chat/lexicon", "use": "verify"}
CPU_NOTE = "CPU, 1 thread (2-core machine shared with another training)"


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


def finish_folder(out: Path, manifest: dict, card) -> int:
    """Writes MODEL_CARD.md (`card(total_bytes)`) and manifest.json (bytes + SHA-256 of every file). The card states the
    folder's total size, which includes the card and the manifest: iterated to a fixed point. Returns the total."""
    files = [f["path"] for f in manifest["files"]]
    total = 0
    for _ in range(6):
        (out / "MODEL_CARD.md").write_text(card(total))
        for f in manifest["files"]:
            f["bytes"], f["sha256"] = (out / f["path"]).stat().st_size, sha256(out / f["path"])
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        new_total = sum((out / p).stat().st_size for p in files + ["manifest.json"])
        if new_total == total:
            break
        total = new_total
    return total


# ---------------------------------------------------------------------------------------------- commands
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
def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True, help="a chat.train output folder (model.pt, log.json, metrics.json)")
    ap.add_argument("--data", type=Path, required=True, help="the chat.corpus folder the run was trained on")
    ap.add_argument("--stability", type=Path, default=None, help="chat.stability output (stability.json/.md/.png)")
    ap.add_argument("--out", type=Path, default=REPO / "public/models/chat" / MODEL_ID)
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
    card_args = dict(ref=ref, stats=stats, log=log, metrics=metrics, stab=stab, stab_md=stab_md, has_png=has_png, cmds=cmds,
                     grounding=read_json(a.results / "grounding.json"))
    name = f"WordNet dictionary assistant ({model.config.norm.upper()}, {millions(n)})"
    manifest = write_model_folder(model, bpe, a.out, model_id=MODEL_ID, name=name, intended_use=INTENDED_USE, retrieval=RETRIEVAL, source=source,
                                  card=build_card(model, bpe, ck, a, parity=None, total_bytes=0, **card_args),
                                  extra_files={"reference.json": "reference"})
    parity = run_parity(a.out) if not a.no_parity else {"ran": False}
    if parity["ran"]:
        print("\n".join(parity["output"]), flush=True)

    total = finish_folder(a.out, manifest, lambda total: build_card(model, bpe, ck, a, parity=parity, total_bytes=total, **card_args))
    files = [f["path"] for f in manifest["files"]]
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
