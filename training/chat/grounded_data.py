"""Tokenizes the grounded corpus (chat/grounded_corpus.ts -> conversations.jsonl) into the files chat.train reads.

    npx tsx training/chat/grounded_corpus.ts --out training/chat/data_grounded       (repo root: the conversations)
    /usr/bin/python3 -m chat.grounded_data --data chat/data_grounded                  (training/: tokenizer + npz)

Writes into --data: tokenizer.json (byte-level BPE trained on a sample of the conversations), train.npz and
heldout.npz (as chat.corpus writes them: tokens, loss mask on assistant answers, offsets, kinds) and adds token
counts to stats.json. The system message (the context block) is prompt, never trained on as an answer.
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from .bpe import SPECIAL_TOKENS, ByteLevelBPE, train_bpe
from .corpus import FastEncoder, render, tokenize_set

KINDS = ["meaning", "senses", "synonyms", "antonyms", "hypernym", "hyponyms", "example", "compare", "multi", "unknown",
         "offtopic", "hello"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--vocab", type=int, default=4096, help="total vocabulary incl. special tokens")
    ap.add_argument("--bpe-sample", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tokenizer", type=Path, default=None, help="reuse this tokenizer.json (a second training stage) instead of training one")
    args = ap.parse_args(argv)
    t0 = time.time()
    rows = [json.loads(line) for line in (args.data / "conversations.jsonl").read_text().splitlines() if line.strip()]
    train = [(r["kind"], r["messages"]) for r in rows if r["split"] == "train"]
    heldout = [(r["kind"], r["messages"]) for r in rows if r["split"] == "heldout"]
    rng = random.Random(args.seed)
    sample = [render(m) for _, m in rng.sample(train, min(args.bpe_sample, len(train)))]
    bpe = ByteLevelBPE.load(args.tokenizer) if args.tokenizer else train_bpe(sample, args.vocab - len(SPECIAL_TOKENS) - 256)
    bpe.save(args.data / "tokenizer.json")
    print(f"[grounded] BPE {bpe.vocab_size} tokens in {time.time() - t0:.0f} s", flush=True)
    enc = FastEncoder(bpe)
    tr = tokenize_set(enc, train, KINDS)
    ho = tokenize_set(enc, heldout, KINDS)
    check = [render(m) for _, m in train[:100]]
    assert [enc.conversation(m)[0] for _, m in train[:100]] == [bpe.encode(s) for s in check], "fast tokenizer differs"
    np.savez_compressed(args.data / "train.npz", **tr)
    np.savez_compressed(args.data / "heldout.npz", **ho)
    text = "\n".join(check[:30]) + " I'll say it's 12.5mm -- they're   here!\n\n  café 日本語 🙂"
    (args.data / "tokenizer_check.json").write_text(json.dumps({"text": text, "ids": bpe.encode(text)}, ensure_ascii=False) + "\n")
    stats_path = args.data / "stats.json"
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    lengths = np.diff(tr["offsets"])
    stats.update({"kinds": KINDS, "vocab_size": bpe.vocab_size, "bpe_sample_conversations": len(sample),
                  "tokens_train": int(len(tr["tokens"])), "tokens_heldout": int(len(ho["tokens"])),
                  "answer_tokens_train": int(tr["mask"].sum()), "answer_tokens_heldout": int(ho["mask"].sum()),
                  "max_conversation_tokens": int(lengths.max()), "mean_conversation_tokens": float(lengths.mean()),
                  "p95_conversation_tokens": float(np.percentile(lengths, 95)), "tokenize_seconds": round(time.time() - t0, 1)})
    stats_path.write_text(json.dumps(stats, indent=1) + "\n")
    print(json.dumps({k: stats[k] for k in ("tokens_train", "answer_tokens_train", "max_conversation_tokens",
                                            "mean_conversation_tokens", "p95_conversation_tokens")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
