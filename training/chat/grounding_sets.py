"""The question sets of the studio's grounding measurement (`scripts/chat-grounding.ts`), from the shipped model's corpus.

    /usr/bin/python3 -m chat.grounding_sets            (from training/; ~1 min; writes chat/results/grounding_sets.json)

Rebuilds the shipped model's conversations (the same arguments as `training/chat/README.md`'s pipeline: 1,500 lemmas,
seed 0) only to know which lemmas and phrasings training saw, then draws, seeded:
  trained    lemmas of training, asked with their training question (the training distribution: labelled as such)
  heldout    the corpus's held-out lemmas (no conversation about them in training), asked with an unseen phrasing
  untrained  WordNet lemmas outside the 1,500 the model was trained on, asked with phrasings never in training
  unknown    the corpus's held-out made-up words, asked with a training phrasing
  offtopic   the corpus's off-topic evaluation prompts (held-out fillers; half use training templates)
  issue      the questions a first-time user tried (issue 11)
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

from . import corpus as C

# Phrasings that appear in no training question (corpus.MEANING_Q has none of these forms).
UNSEEN = ["what is a {w}", "tell me about {w}", "{w}?", "define {w} please", "meaning of the word {w}",
          "What is {w}?", "whats {w}", "explain {w} to me"]
ISSUE = [("What does bread mean?", "bread"), ("what is a river", "river"), ("Tell me about dogs", "dog"), ("hello", "hello"),
         ('What does the word "winter" mean?', "winter"), ("Define king.", "king"), ("What does serendipity mean?", "serendipity"),
         ("What does blorptastic mean?", "blorptastic")]


def main() -> int:
    rng = random.Random(11)
    synsets, index, counts = C.read_synsets(), C.read_index(), C.read_counts()
    forbidden = {l for l, _ in index} | C.read_exceptions()
    for s in synsets.values():
        forbidden.update(w.lower() for w in s.words)
        forbidden.update(re.findall(r"[a-z]+", (s.definition + " " + " ".join(s.examples)).lower()))
    _, _, ev, stats = C.build_conversations(synsets, index, counts, forbidden, seed=0, max_lemmas=1500, n_unknown=1200,
                                            n_offtopic=600, top_frequent=1000, n_random_eval=440)
    # the corpus's scope, as build_conversations draws it: the 1,500 most frequent lemmas that have an entry
    have = sorted({l for (l, p), offs in index.items() if C.build_entry(l, p, offs, synsets)})
    scope = set(sorted(have, key=lambda l: (-sum(counts.get((l, p), 0) for p in "nvar"), l))[:1500])
    assert len(scope) == stats["lemmas"] and {t["lemma"] for t in ev["trained"]} <= scope
    outside = sorted({l for l, _ in index if l not in scope and "_" not in l and l.isalpha() and len(l) > 3})
    pick = lambda items, n: sorted(rng.sample(items, min(n, len(items))), key=str)  # noqa: E731
    sets = {
        "trained": [{"word": t["lemma"], "question": t["question"]} for t in pick(ev["trained"], 100)],
        "heldout": [{"word": h["lemma"].replace("_", " "), "question": rng.choice(UNSEEN).format(w=h["lemma"].replace("_", " "))}
                    for h in ev["heldout_lemmas"]],
        "untrained": [{"word": w, "question": rng.choice(UNSEEN).format(w=w)} for w in pick(outside, 150)],
        "unknown": [{"word": u["word"], "question": u["question"]} for u in pick(ev["unknown"], 100)],
        "offtopic": [{"question": o["question"]} for o in pick(ev["offtopic"], 60)],
        "issue": [{"question": q, "word": w} for q, w in ISSUE],
    }
    out = Path(__file__).resolve().parent / "results" / "grounding_sets.json"
    out.write_text(json.dumps({"about": __doc__.strip().splitlines()[0], "unseenPhrasings": UNSEEN, "sets": sets}, indent=1) + "\n")
    print(f"[grounding_sets] {out}: " + ", ".join(f"{k} {len(v)}" for k, v in sets.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
