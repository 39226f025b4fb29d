"""chat.ship on a tiny random model, a fake run (model.pt in train.py's format, log.json, metrics.json) and a tiny data
dir: the folder's files, the manifest's hashes, reference.json's greedy tokens and the card's numbers (< 10 s, no Node)."""
import hashlib
import json
from dataclasses import asdict

import torch

from chat import ship
from chat import train as T
from chat.bpe import ByteLevelBPE, train_bpe
from chat.export import render_chat
from chat.model import ChatModel, count_parameters

TEXTS = ["<|endoftext|><|user|>\nWhat does car mean?<|end|>\n<|assistant|>\nCar (noun): a motor vehicle with four wheels.<|end|>\n",
         "What does bicycle mean? Bicycle (noun): a wheeled vehicle that has two wheels and is moved by foot pedals."] * 4

METRICS = {
    "checkpoint": "run/model.pt", "step": 3,
    "definitions": {"normalise": "lower case, whitespace collapsed, stripped", "exact": "normalised strings equal",
                    "fuzzy": "difflib.SequenceMatcher ratio of the normalised strings >= 0.8",
                    "token_f1": "multiset overlap F1 of whitespace tokens", "refused": "answer starts with the refusal's first words",
                    "perplexity": "exp(mean CE) over answer tokens (loss mask 1) of held-out conversations"},
    "gloss_trained_seen_phrasing": {"n": 8, "exact": 0.625, "fuzzy": 0.75, "mean_token_f1": 0.8125, "mean_ratio": 0.9, "false_refusal": 0.0},
    "gloss_trained_new_phrasing": {"n": 8, "exact": 0.5, "fuzzy": 0.625, "mean_token_f1": 0.7, "mean_ratio": 0.8, "false_refusal": 0.125},
    "gloss_heldout_lemmas": {"n": 4, "exact": 0.25, "fuzzy": 0.25, "mean_token_f1": 0.3, "mean_ratio": 0.4, "false_refusal": 0.0},
    "refusal_unknown_words": {"n": 8, "refused": 0.875, "exact": 0.75},
    "refusal_offtopic": {"n": 5, "refused": 0.6, "exact": 0.4},
    "heldout_perplexity": {"all": {"answer_tokens": 1234, "loss": 2.5128, "perplexity": 12.34},
                           "meaning": {"answer_tokens": 1000, "loss": 2.7, "perplexity": 14.88}},
    "samples": [{"q": "What does car mean?", "expected": "Car (noun): a motor vehicle with four wheels.", "answer": "Car (noun): a zebra-striped answer."}],
}
STATS = {"synsets": 117659, "index_entries": 155287, "lemmas": 1500, "heldout_lemmas": 30,
         "heldout_lemma_glosses_also_in_train_via_shared_synset": 6, "pseudo_words_train": 1200, "pseudo_words_eval": 300,
         "offtopic_train": 600, "offtopic_eval": 200, "conversations_train": 12321, "conversations_heldout": 722,
         "train_by_kind": {"meaning": 6284, "unknown": 1200}, "heldout_by_kind": {"meaning": 135}, "eval_trained": 8,
         "eval_unknown": 8, "eval_offtopic": 5, "eval_heldout_lemmas": 4, "kinds": ["meaning", "unknown"], "vocab_size": 0,
         "tokens_train": 465363, "tokens_heldout": 29825, "answer_tokens_train": 257976, "answer_tokens_heldout": 1234,
         "max_conversation_tokens": 176, "mean_conversation_tokens": 37.8}


def make_run(tmp):
    bpe = train_bpe(TEXTS, 40)
    data = tmp / "data"
    data.mkdir()
    bpe.save(data / "tokenizer.json")
    (data / "stats.json").write_text(json.dumps({**STATS, "vocab_size": bpe.vocab_size}))
    run = tmp / "run"
    run.mkdir()
    args = T.parser().parse_args(["--data", str(data), "--out", str(run), "--hidden", "32", "--layers", "2", "--heads", "4",
                                  "--kv-heads", "2", "--ffn", "64", "--seq", "32", "--batch", "2", "--steps", "3", "--lr", "0.002"])
    cfg = T.make_config(args, bpe.vocab_size, bpe)
    torch.manual_seed(0)
    model = ChatModel(cfg).eval()
    targs = {k: str(v) if hasattr(v, "parts") else v for k, v in vars(args).items()}
    meta = {"config": asdict(cfg), "tokenizer": str(data / "tokenizer.json"), "args": targs, "step": 3, "parameters": count_parameters(model)}
    torch.save({**meta, "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()}}, run / "model.pt")
    log = {"args": targs, "config": asdict(cfg), "parameters": count_parameters(model), "train_tokens": 4321, "step": [0, 1, 2],
           "loss": [8.0, 7.5, 7.25], "answer_loss": [7.9, 7.4, 7.125], "other_loss": [8, 8, 8], "grad_norm": [1, 1, 1],
           "lr": [1e-3, 2e-3, 2e-3], "time": [1, 2, 3], "eval": [{"step": 3, "heldout_answer_loss": 6.5, "heldout_answer_ppl": 665.14}],
           "stopped": "steps", "diverged": False, "steps_done": 3, "train_seconds": 90.0, "tokens_seen": 192, "tokens_per_second": 2.1}
    (run / "log.json").write_text(json.dumps(log))
    (run / "metrics.json").write_text(json.dumps(METRICS))
    return data, run, model, bpe


def test_ship_writes_the_folder_reference_and_card(tmp_path):
    data, run, model, bpe = make_run(tmp_path)
    out, results = tmp_path / "out", tmp_path / "results"
    assert ship.main(["--run", str(run), "--data", str(data), "--out", str(out), "--results", str(results), "--no-parity"]) == 0

    names = {"model.onnx", "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "MODEL_CARD.md",
             "LICENSE", "reference.json", "manifest.json"}
    assert {p.name for p in out.iterdir()} == names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["id"] == "wordnet-dssn" and manifest["task"] == "chat" and manifest["intendedUse"].startswith("a small dictionary assistant")
    assert "clinical" not in manifest["intendedUse"] and manifest["retrieval"] == {"lexicon": "chat/lexicon", "use": "verify"}
    assert {f["path"] for f in manifest["files"]} == names - {"manifest.json"}
    for f in manifest["files"]:
        raw = (out / f["path"]).read_bytes()
        assert f["bytes"] == len(raw) and f["sha256"] == hashlib.sha256(raw).hexdigest(), f["path"]
    n = count_parameters(model)
    assert manifest["name"] == f"WordNet dictionary assistant (DSSN, {n / 1e6:.1f}M)"

    ref = json.loads((out / "reference.json").read_text())
    assert ref["messages"] == [{"role": "user", "content": "What does car mean?"}]
    assert ref["promptIds"] == bpe.encode(render_chat(ref["messages"]))
    eos = tuple(model.config.eos_token_id)
    tokens, gaps = model.greedy(ref["promptIds"], 48, eos)
    assert ref["greedyTokens"] == tokens and ref["maxNewTokens"] == 48 and ref["eosTokenIds"] == list(eos)
    assert ref["greedyText"] == bpe.decode(tokens) and len(ref["firstStepLogits"]) == bpe.vocab_size
    assert ByteLevelBPE.load(out / "tokenizer.json").encode(ref["tokenizerCheck"]["text"]) == ref["tokenizerCheck"]["ids"]

    card = (out / "MODEL_CARD.md").read_text()
    for s in ("62.5 %", "75.0 %", "87.5 %", "60.0 %", "12.5 %", "12.34", "14.88", "1,234", "zebra-striped",  # metrics.json
              "1,500 most frequent lemmas", "6 of the 30", "12,321",  # stats.json
              f"{n:,}", "c_attn 0.283", "TinyInit",  # the model
              "Ran 3 steps, 192 tokens seen", "1.5 minutes", "665.14",  # log.json
              f"{(out / 'model.onnx').stat().st_size:,} bytes", "Apache-2.0", "WordNet 3.0 license",
              "chat.train --data", "--lr 0.002", "chat.ship --run"):
        assert s in card, s
    total = sum(p.stat().st_size for p in out.iterdir())
    assert f"the whole folder: {total:,} bytes" in card
    assert "## Stability experiment\n\n_Not measured_" in card and "parity.mjs`): _not measured_" in card
    assert {p.name for p in results.iterdir()} == {"log.json", "metrics.json", "ship.json"}
    assert json.loads((results / "ship.json").read_text())["greedy"]["tokens"] == tokens
