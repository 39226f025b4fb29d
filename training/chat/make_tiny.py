"""Builds public/models/chat/tiny-random: a tiny RANDOM-weight chat model, the studio's test fixture (CLI).

    cd training && /usr/bin/python3 -m chat.make_tiny [--out ../public/models/chat/tiny-random]

A byte-level BPE (300 merges) trained on 4,000 WordNet glosses (Debian's wordnet-base), a 2-layer DSSN +
TinyInit decoder (d = 64, 4 query heads / 2 KV heads, SwiGLU 176) with seeded random weights, exported with the
decoder-with-past signature. reference.json holds what the runtimes must reproduce: the prompt (messages, the
rendered template, its ids), a tokenizer check (text + Python's ids), PyTorch's greedy tokens (24 new), the first step's logits and the smallest gap between
the two best logits over the greedy steps (the seed is chosen so that no choice is closer than MIN_GAP).
Then `node training/chat/parity.mjs` checks the export (empty-past prefill, greedy tokens, KV cache vs full forward).
"""
from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import torch

from .bpe import train_bpe, wordnet_glosses
from .export import render_chat, write_model_folder
from .model import ChatConfig, ChatModel, count_parameters

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MESSAGES = [
    {"role": "system", "content": "You are Loupe, a small assistant."},
    {"role": "user", "content": "What is a magnifying glass?"},
]
# Pre-tokenizer edge cases (contractions, runs of spaces, newlines, digits, punctuation, non-ASCII) plus glosses:
# the JS tokenizer must give exactly these ids.
TOKENIZER_CHECK = ("I'll say it's 12.5mm -- they're   here!\n\n  Tabs\tand  spaces  \nnaïve café, 日本語 🙂🙂 <|user|>x<|end|>"
                   " The sun's rays; \"quoted\" (parenthesised) text... 3,000 items/day.")
NEW_TOKENS = 24
MIN_GAP = 2e-3

CARD = """# Tiny random (test fixture) — `tiny-random`, random weights

**Not a language model.** Seeded random weights: its output is gibberish by design. It exists so the chat runtime
(tokenizer, chat template, prefill + KV-cache decode, sampling, streaming, stop) is tested end to end against
PyTorch without a trained model.

- Architecture: the project's Pangu-style decoder (`training/chat/model.py`): RMSNorm, RoPE, SwiGLU, grouped-query
  attention, depth-scaled sandwich norm, TinyInit. {layers} layers, hidden {hidden}, {heads} query / {kv} KV heads,
  FFN {ffn}, vocabulary {vocab}, {params:,} parameters.
- Tokenizer: byte-level BPE, {merges} merges trained by `training/chat/bpe.py` on {glosses:,} WordNet 3.0 glosses
  (Debian `wordnet-base`, WordNet licence). Special tokens: {specials}.
- Files: decoder-with-past ONNX (opset 17), config.json, generation_config.json, tokenizer.json,
  tokenizer_config.json (chat template), reference.json (PyTorch greedy tokens and first-step logits).
- Built by `cd training && /usr/bin/python3 -m chat.make_tiny` (seed {seed}). Licence: Apache-2.0.
"""


def build(seed: int, vocab_size: int, eos: tuple[int, ...]) -> ChatModel:
    torch.manual_seed(seed)
    cfg = ChatConfig(vocab_size=vocab_size, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                     intermediate_size=176, max_position_embeddings=256, norm="dssn", init="tiny", bos_token_id=0, eos_token_id=eos, pad_token_id=0)
    model = ChatModel(cfg).eval()
    with torch.no_grad():  # random post-norm gains and a random final norm, so every weight matters in the parity checks
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.mul_(1 + 0.2 * torch.randn_like(p))
    return model


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO / "public/models/chat/tiny-random")
    ap.add_argument("--merges", type=int, default=300)
    ap.add_argument("--glosses", type=int, default=1000, help="per part of speech")
    ap.add_argument("--no-parity", action="store_true", help="skip the onnxruntime-web parity check in Node")
    args = ap.parse_args(argv)

    texts = wordnet_glosses(args.glosses)
    bpe = train_bpe(texts, args.merges)
    eos = (bpe.token_id("<|end|>"), bpe.token_id("<|endoftext|>"))
    prompt = render_chat(MESSAGES)
    prompt_ids = bpe.encode(prompt)
    assert bpe.decode(prompt_ids) == prompt

    for seed in range(100):
        model = build(seed, bpe.vocab_size, eos)
        tokens, gaps = model.greedy(prompt_ids, NEW_TOKENS, eos)
        if len(tokens) == NEW_TOKENS and min(gaps) >= MIN_GAP and len(set(tokens)) >= 6:
            break
    else:
        raise SystemExit("no seed in 0..99 gives 24 well-separated greedy tokens")
    with torch.no_grad():
        first_logits = model(torch.tensor([prompt_ids]))[0][0, -1]
    print(f"seed {seed}: {count_parameters(model):,} parameters, vocab {bpe.vocab_size}, prompt {len(prompt_ids)} tokens, "
          f"greedy {tokens}, min gap {min(gaps):.4f}")

    args.out.mkdir(parents=True, exist_ok=True)
    reference = {
        "about": "PyTorch (training/chat/model.py) greedy decoding of the prompt below with the KV cache; the runtimes must reproduce it.",
        "messages": MESSAGES,
        "prompt": prompt,
        "promptIds": prompt_ids,
        "maxNewTokens": NEW_TOKENS,
        "eosTokenIds": list(eos),
        "greedyTokens": tokens,
        "greedyText": bpe.decode(tokens),
        "minTop2Gap": round(min(gaps), 6),
        "tokenizerCheck": {"text": TOKENIZER_CHECK + " " + " ".join(texts[::500]), "ids": bpe.encode(TOKENIZER_CHECK + " " + " ".join(texts[::500]))},
        "firstStepLogits": [round(float(x), 7) for x in first_logits],
    }
    (args.out / "reference.json").write_text(json.dumps(reference) + "\n")
    c = model.config
    card = CARD.format(layers=c.num_hidden_layers, hidden=c.hidden_size, heads=c.num_attention_heads, kv=c.num_key_value_heads,
                       ffn=c.intermediate_size, vocab=c.vocab_size, params=count_parameters(model), merges=len(bpe.merges),
                       glosses=len(texts), specials=", ".join(f"`{t}`" for t in bpe.special_tokens), seed=seed)
    write_model_folder(model, bpe, args.out, model_id="tiny-random", name="Tiny random (test fixture)",
                       intended_use="test fixture: random weights", card=card, extra_files={"reference.json": "reference"},
                       source={"code": "training/chat/make_tiny.py", "tokenizerCorpus": "WordNet 3.0 glosses (Debian wordnet-base)",
                               "weights": f"random, torch.manual_seed({seed})"})
    total = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"wrote {args.out} ({total / 1024:.0f} KiB)")
    if not args.no_parity:  # every export is followed by PyTorch-vs-onnxruntime-web parity
        return subprocess.run(["node", str(HERE / "parity.mjs"), str(args.out)], cwd=REPO).returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
