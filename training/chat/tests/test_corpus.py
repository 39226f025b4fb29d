"""Fast checks of the dictionary-assistant pipeline: corpus answers, refusal words, split, loss mask, train.py on a
synthetic data set, batched generation, spike counter and match metrics (< 10 s on 2 CPU cores)."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from chat import corpus as C
from chat.bpe import ByteLevelBPE, pretokenize, train_bpe
from chat.evaluate import generate, match, token_f1
from chat.export import render_chat
from chat.model import ChatConfig, ChatModel
from chat.stability import count_spikes, diverged

# data.noun / data.adj lines in WordNet's format (offsets are arbitrary but consistent)
LINES = [
    '00000010 06 n 02 bicycle 0 bike 0 001 @ 00000020 n 0000 | a wheeled vehicle that has two wheels and is moved by foot pedals; "he rode his bicycle to work"',
    "00000020 06 n 01 wheeled_vehicle 0 001 @ 00000030 n 0000 | a vehicle that moves on wheels",
    "00000030 06 n 01 vehicle 0 000 | a conveyance that transports people or objects",
    '00000040 00 a 01 good 0 001 ! 00000050 a 0101 | having desirable or positive qualities; "a good report card"',
    '00000050 00 a 01 bad 0 001 ! 00000040 a 0101 | having undesirable or negative qualities; "a bad report card"',
    '00000060 00 s 02 handy 0 ready_to_hand(p) 0 000 | easy to reach; "found a handy spot for the can opener"',
    "00000070 06 n 01 tricycle 0 001 @ 00000020 n 0000 | a vehicle with three wheels",
    "00000080 06 n 01 scooter 0 001 @ 00000020 n 0000 | a wheeled vehicle with a footboard",
    "00000090 06 n 01 wagon 0 001 @ 00000020 n 0000 | any of various kinds of wheeled vehicles drawn by an animal",
    "00000100 06 n 01 sledge 0 001 @ 00000030 n 0000 | a vehicle on runners",
]


def tiny_wordnet():
    synsets = {}
    for line in LINES:
        s = C.parse_data_line(line)
        synsets[("a" if s.pos == "s" else s.pos, s.offset)] = s
    index = {}
    for (p, off), s in synsets.items():
        for w in s.words:
            index.setdefault((w.lower(), p), []).append(off)
    return synsets, index


def test_answers_from_synsets():
    synsets, index = tiny_wordnet()
    s = synsets[("n", "00000010")]
    assert s.words == ["bicycle", "bike"] and s.examples == ["he rode his bicycle to work"]
    assert s.definition == "a wheeled vehicle that has two wheels and is moved by foot pedals"
    assert synsets[("a", "00000060")].words == ["handy", "ready to hand"]  # adjective marker stripped
    e = C.build_entry("bicycle", "n", index[("bicycle", "n")], synsets)
    assert e.answers["meaning"] == "Bicycle (noun): a wheeled vehicle that has two wheels and is moved by foot pedals."
    assert e.answers["synonyms"] == "Synonyms of bicycle (noun): bike."
    assert e.answers["hypernym"] == "A bicycle is a kind of wheeled vehicle: a vehicle that moves on wheels."
    assert e.answers["example"] == 'For example: "he rode his bicycle to work".'
    g = C.build_entry("good", "a", index[("good", "a")], synsets)
    assert g.answers["antonyms"] == "The opposite of good (adjective) is bad." and "hypernym" not in g.answers
    assert C.build_entry("handy", "a", index[("handy", "a")], synsets).answers["meaning"] == "Handy (adjective): easy to reach."


def test_split_holds_out_lemmas_and_words():
    synsets, index = tiny_wordnet()
    forbidden = {l for l, _ in index}
    train, held, ev, stats = C.build_conversations(synsets, index, {}, forbidden, seed=3, heldout_frac=0.3, n_unknown=20,
                                                   n_unknown_eval=10, n_offtopic=10, n_offtopic_eval=6, top_frequent=3,
                                                   n_random_eval=2, frequent_repeats=2)
    held_lemmas = {h["lemma"] for h in ev["heldout_lemmas"]}
    assert len(held_lemmas) == stats["heldout_lemmas"] >= 1
    train_text = json.dumps([m for _, m in train]).lower()
    questions = [m["content"].lower() for _, c in train for m in c if m["role"] == "user"]
    for h in ev["heldout_lemmas"]:  # never asked about in train (it may still appear inside another word's answer)
        assert h["expected"] not in json.dumps([m for _, m in train])
        assert not any(m["content"].startswith(C.cap(h["lemma"]) + " (") for _, c in train for m in c if m["role"] == "assistant")
        if not any(h["lemma"] in l for l, _ in index if l not in held_lemmas):  # "vehicle" is inside "wheeled vehicle"
            assert not any(__import__("re").search(rf"\b{h['lemma']}\b", q) for q in questions)
    assert all(t["lemma"] not in held_lemmas for t in ev["trained"])
    unk_eval = {u["word"] for u in ev["unknown"]}
    assert unk_eval and not any(w in train_text for w in unk_eval)
    assert all(u["expected"] == C.UNKNOWN_REPLY.format(w=u["word"]) for u in ev["unknown"])
    kinds = {k for k, _ in train}
    assert {"meaning", "unknown", "offtopic"} <= kinds
    again = C.build_conversations(synsets, index, {}, forbidden, seed=3, heldout_frac=0.3, n_unknown=20, n_unknown_eval=10,
                                  n_offtopic=10, n_offtopic_eval=6, top_frequent=3, n_random_eval=2, frequent_repeats=2)
    assert again[0] == train  # deterministic by seed


@pytest.mark.skipif(not C.WORDNET.exists(), reason="needs /usr/share/wordnet")
def test_pseudo_words_are_not_in_wordnet():
    index = C.read_index()
    exc = C.read_exceptions()
    forbidden = {l for l, _ in index} | exc
    words = C.pseudo_words(__import__("random").Random(0), 300, forbidden)
    assert len(set(words)) == 300
    assert not any(w in forbidden for w in words)
    assert all(w.isalpha() and 5 <= len(w) <= 10 for w in words)


def small_bpe():
    texts = [C.render(C.conv("What does bicycle mean?", "Bicycle (noun): a wheeled vehicle."))] * 3 + ["the cat sat on the mat"]
    return train_bpe(texts, 60)


def test_loss_mask_covers_exactly_the_answers():
    bpe = small_bpe()
    enc = C.FastEncoder(bpe)
    msgs = C.conv("What does bicycle mean?", "Bicycle (noun): a wheeled vehicle.", "And its synonyms?", "Synonyms of bicycle (noun): bike.")
    ids, mask = enc.conversation(msgs)
    assert C.render(msgs) == render_chat(msgs, add_generation_prompt=False)
    assert ids == bpe.encode(C.render(msgs))
    assert len(mask) == len(ids) and ids[0] == bpe.token_id("<|endoftext|>")
    end = bpe.token_id("<|end|>")
    spans, cur = [], []
    for i, m in zip(ids, mask):
        if m:
            cur.append(i)
        elif cur:
            spans.append(cur); cur = []
    assert [bpe.decode(s) for s in spans] == ["Bicycle (noun): a wheeled vehicle.<|end|>", "Synonyms of bicycle (noun): bike.<|end|>"]
    assert all(s[-1] == end for s in spans)
    # the prompt the evaluator feeds is exactly the prefix before the first answer
    first = mask.index(1)
    assert bpe.decode(ids[:first]) == render_chat(msgs[:1], add_generation_prompt=True)
    for t in ["Hello  world's 12ab, x\n\n  y  ", "I'll go!!", 'For example: "it\'s 3.5 km".', " a\tb "]:
        assert C.fast_pretokenize(t) == pretokenize(t)


def make_data(tmp: Path) -> Path:
    bpe = small_bpe()
    d = tmp / "data"
    d.mkdir()
    bpe.save(d / "tokenizer.json")
    enc = C.FastEncoder(bpe)
    convs = [("meaning", C.conv("What does bicycle mean?", "Bicycle (noun): a wheeled vehicle.")),
             ("unknown", C.conv("What does zorblat mean?", C.UNKNOWN_REPLY.format(w="zorblat")))] * 20
    for name in ("train", "heldout"):
        np.savez_compressed(d / f"{name}.npz", **C.tokenize_set(enc, convs))
    ev = {"trained": [{"lemma": "bicycle", "pos": "noun", "group": "frequent", "question": "What does bicycle mean?",
                       "question_alt": "Define bicycle.", "expected": "Bicycle (noun): a wheeled vehicle."}],
          "unknown": [{"word": "zorblat", "question": "What does zorblat mean?", "expected": C.UNKNOWN_REPLY.format(w="zorblat")}],
          "offtopic": [{"question": "Tell me a joke.", "expected": C.OFFTOPIC_REPLY}], "heldout_lemmas": []}
    (d / "eval.json").write_text(json.dumps(ev))
    (d / "stats.json").write_text(json.dumps({"kinds": C.KINDS}))
    return d


def test_train_three_steps_and_evaluate(tmp_path):
    from chat import evaluate, train
    d = make_data(tmp_path)
    out = tmp_path / "run"
    train.main(["--data", str(d), "--out", str(out), "--device", "cpu", "--hidden", "32", "--layers", "2", "--heads", "4",
                "--kv-heads", "2", "--ffn", "64", "--seq", "32", "--batch", "2", "--steps", "3", "--warmup", "1",
                "--log-every", "1", "--eval-every", "2", "--eval-batches", "1", "--quiet"])
    log = json.loads((out / "log.json").read_text())
    assert log["step"] == [0, 1, 2] and len(log["loss"]) == len(log["grad_norm"]) == len(log["lr"]) == 3
    assert all(np.isfinite(log["loss"])) and log["eval"] and log["steps_done"] == 3
    model, ck = train.load_checkpoint(out / "model_fp16.pt")
    assert ck["dtype"] == "float16" and all(v.dtype == torch.float16 for v in ck["state_dict"].values())
    model32, _ = train.load_checkpoint(out / "model.pt")
    assert model32.config.norm == "dssn" and model32.config.vocab_size == ByteLevelBPE.load(d / "tokenizer.json").vocab_size
    evaluate.main(["--ckpt", str(out / "model.pt"), "--data", str(d), "--max-new", "8", "--batch", "2"])
    m = json.loads((out / "metrics.json").read_text())
    assert m["gloss_trained_seen_phrasing"]["n"] == 1 and "all" in m["heldout_perplexity"]


def test_batched_left_padded_generation_matches_greedy():
    torch.manual_seed(0)
    model = ChatModel(ChatConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                 intermediate_size=64, norm="dssn", init="normal")).eval()
    prompts = [[1, 5, 7, 9, 11, 3], [2, 4], [6, 8, 10]]
    got = generate(model, prompts, 6, eos=set(), pad=0, device="cpu")
    for p, g in zip(prompts, got):
        assert g == model.greedy(p, 6)[0]


def test_spike_counter_and_divergence():
    curve = [5.0 - 0.01 * i for i in range(100)]
    curve[60] = 10.0   # 2.3x the running median: a spike
    curve[80] = 4.5    # within 1.5x: not a spike
    assert count_spikes(curve, k=1.5, window=50) == [60]
    assert count_spikes([1.0] * 5 + [9.0]) == []         # under 10 steps of history: not counted
    assert count_spikes([1.0] * 20 + [float("nan")]) == [20]
    assert diverged(curve) == (False, "")
    assert diverged([3.0] * 50)[0] and diverged([3.0, float("nan")])[0]


def test_match_metrics():
    exp = "Bicycle (noun): a wheeled vehicle that has two wheels and is moved by foot pedals."
    assert match(" bicycle (noun):  a wheeled vehicle that has two wheels and is moved by foot pedals.", exp)["exact"]
    near = match("Bicycle (noun): a wheeled vehicle that has two wheels and is moved by pedals.", exp)
    assert not near["exact"] and near["fuzzy"] and near["f1"] > 0.9
    far = match("Tricycle (noun): a vehicle with three wheels.", exp)
    assert not far["fuzzy"] and far["ratio"] < 0.8
    assert token_f1("a b c", "a b d") == pytest.approx(2 / 3)
    assert token_f1("", "") == 1.0 and token_f1("x", "y") == 0.0
