"""The "dictionary assistant" chat corpus, built offline from Debian's WordNet 3.0 (`/usr/share/wordnet`).

    /usr/bin/python3 -m chat.corpus --out chat/data            (from training/)

Conversations are lists of {role, content} messages (no system prompt), rendered with the chat template of
`export.render_chat`. Kinds of conversation, every answer deterministic and built from WordNet only:
  - meaning   "What does bicycle mean?" -> "Bicycle (noun): a wheeled vehicle that has two wheels and is moved by
              foot pedals."  (gloss of the lemma's first = most frequent sense, without the example sentences)
  - synonyms  "Synonyms of bicycle (noun): bike, wheel, cycle."  (other lemmas of the first-sense synset)
  - antonyms  "The opposite of good (adjective) is bad."  (direct lexical antonyms of the first sense)
  - hypernym  "A bicycle is a kind of wheeled vehicle: <its gloss>."  (nouns; "To X is a way to Y" for verbs)
  - example   'For example: "they bicycled through the park".'  (first example of the first sense that uses the word)
  - multi     2-3 turns about the same word ("And its synonyms?")
  - unknown   made-up pronounceable words, in no WordNet index, exception list or gloss -> UNKNOWN_REPLY
  - offtopic  weather, code, maths, news, personal questions -> OFFTOPIC_REPLY
A generic question ("What does run mean?") is answered with the lemma's primary part of speech (the one whose first
sense is most frequent in WordNet's tagged counts, cntlist.rev); "... as a verb?" asks for one part of speech.

Split: a seeded ~2% of lemma strings is held out entirely (all their conversations go to heldout.npz), as are a set
of made-up words and some off-topic templates and fillers. Outputs (chat/data/, gitignored):
  tokenizer.json   byte-level BPE (`bpe.train_bpe`) trained on a sample of the corpus text
  train.npz        tokens (uint16, flat), mask (uint8, 1 on assistant answer tokens and their <|end|>),
  heldout.npz      offsets (int64, document starts + total length; every document starts with <|endoftext|>),
                   kinds (uint8 per document, index into stats.json "kinds")
  eval.json        trained-word questions with expected answers, held-out made-up words and off-topic prompts
                   with the expected refusal, held-out lemma questions
  stats.json       counts
"""
from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .bpe import SPECIAL_TOKENS, ByteLevelBPE, pretokenize, to_byte_chars, train_bpe

WORDNET = Path("/usr/share/wordnet")
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
POS_NAMES = {"n": "noun", "v": "verb", "a": "adjective", "s": "adjective", "r": "adverb"}
CNT_POS = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "a"}

UNKNOWN_REPLY = 'I don\'t know the word "{w}". It is not in my dictionary (WordNet 3.0).'
OFFTOPIC_REPLY = ("Sorry, I can only answer questions about English words: their meanings, synonyms, opposites, "
                  "kinds and example sentences.")
KINDS = ["meaning", "synonyms", "antonyms", "hypernym", "example", "multi", "unknown", "offtopic"]

MEANING_Q = ["What does {w} mean?", "What is the meaning of {w}?", "Define {w}.", "Can you define {w}?",
             "What's the definition of {w}?", "Meaning of {w}?", "Tell me what {w} means.", "Explain the word {w}.",
             'What does the word "{w}" mean?', "What is the definition of the word {w}?", "{w}: what does it mean?",
             "I came across the word {w}. What does it mean?"]
MEANING_POS_Q = ["What does {w} mean as {a} {pos}?", "Define {w} as {a} {pos}.", "What is the meaning of the {pos} {w}?",
                 "What does the {pos} {w} mean?"]
SYN_Q = ["What are synonyms of {w}?", "Give me a synonym for {w}.", "What's another word for {w}?", "Synonyms for {w}?",
         "Which words mean the same as {w}?", "List some synonyms of {w}."]
ANT_Q = ["What is the opposite of {w}?", "What's an antonym of {w}?", "Give me the antonym of {w}.", "Opposite of {w}?",
         "What word means the opposite of {w}?"]
HYPER_Q = ["What is {w} a kind of?", "What is the hypernym of {w}?", "What broader category does {w} belong to?",
           "{W} is a kind of what?", "What type of thing is {w}?"]
EX_Q = ["Use {w} in a sentence.", "Give me an example sentence with {w}.", "How is {w} used?",
        "Can you show me {w} in a sentence?", "Example of {w} in use?"]
FOLLOW = {"synonyms": ["And its synonyms?", "Any synonyms?", "What are some other words for it?"],
          "antonyms": ["And the opposite?", "What is its antonym?"],
          "hypernym": ["What kind of thing is it?", "And what is it a kind of?"],
          "example": ["Can you use it in a sentence?", "Give me an example.", "How is it used?"],
          "meaning": ["What does it mean?", "And what does it mean?", "What is its definition?"]}
QUESTIONS = {"meaning": MEANING_Q, "synonyms": SYN_Q, "antonyms": ANT_Q, "hypernym": HYPER_Q, "example": EX_Q}

# Off-topic prompts: templates x fillers; the last templates of each list and the *_EVAL fillers are held out.
CITIES = ["Paris", "Tokyo", "Lagos", "Lima", "Oslo", "Cairo", "Denver", "Mumbai", "Berlin", "Sydney", "Toronto", "Madrid",
          "Nairobi", "Seoul", "Dublin", "Quito"]
CITIES_EVAL = ["Lisbon", "Hanoi", "Boston", "Accra"]
LANGS = ["Python", "JavaScript", "Rust", "C", "Java", "Go", "SQL", "Bash", "TypeScript", "Haskell"]
LANGS_EVAL = ["Kotlin", "Ruby"]
TOPICS = ["the election", "the stock market", "the football final", "the new phone", "the storm", "the summit",
          "the strike", "the earthquake"]
TOPICS_EVAL = ["the elections in Brazil", "the space launch"]
OFFTOPIC_T = [
    "What's the weather like in {city} today?", "Will it rain in {city} tomorrow?", "How hot is it in {city}?",
    "Is it snowing in {city} right now?", "What is the forecast for {city} this weekend?",
    "Write a {lang} function that reverses a list.", "How do I fix a segmentation fault in {lang}?",
    "Can you debug my {lang} code?", "Write a hello world program in {lang}.", "How do I sort a dictionary in {lang}?",
    "What is {x} plus {y}?", "What is {x} times {y}?", "Solve {x}x + {y} = 0.", "What is the square root of {x}?",
    "How much is {x} divided by {y}?",
    "What's the latest news about {topic}?", "Who won {topic}?", "What happened with {topic} yesterday?",
    "Give me today's headlines about {topic}.",
    "How are you today?", "What is your name?", "Do you have feelings?", "Where do you live?", "How old are you?",
    "Can you book me a flight to {city}?", "Tell me a joke.", "What time is it in {city}?", "Who is the president?",
    "Recommend a good movie.", "What should I eat for dinner?", "Translate hello into French.",
    "What's the best restaurant in {city}?", "Play some music.", "Set an alarm for 7 am.",
]
OFFTOPIC_T_EVAL = ["What will the temperature be in {city} on Monday?", "Explain recursion in {lang}.",
                   "Compute {x} minus {y}.", "Summarize the news about {topic}.", "What's your favourite colour?",
                   "Can you order me a pizza in {city}?"]

ONSETS = ["b", "br", "d", "dr", "f", "fl", "g", "gr", "k", "kl", "l", "m", "n", "p", "pl", "pr", "r", "s", "st", "sk",
          "t", "tr", "v", "z", "sh", "ch", "th", "bl", "sn", "w"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ee", "oa", "y"]
CODAS = ["", "", "", "n", "r", "l", "s", "m", "k", "x", "nt", "sk", "rp", "ld"]


# ---------------------------------------------------------------------------------------------- WordNet reading
@dataclass
class Synset:
    offset: str
    pos: str          # n v a s r
    words: list[str]  # surface forms, underscores -> spaces, adjective markers stripped
    pointers: list[tuple[str, str, str, int, int]]  # (symbol, offset, pos, source word 1-based (0 = synset), target)
    definition: str
    examples: list[str] = field(default_factory=list)


def split_gloss(gloss: str) -> tuple[str, list[str]]:
    """'a wheeled vehicle ...; "an example"; "another"' -> ('a wheeled vehicle ...', ['an example', 'another'])."""
    gloss = gloss.strip()
    q = gloss.find('"')
    definition = gloss if q < 0 else gloss[:q]
    definition = definition.strip().rstrip(";").strip()
    examples = [e.strip() for e in re.findall(r'"([^"]+)"', gloss[q:] if q >= 0 else "")]
    return definition, [e for e in examples if e]


def parse_data_line(line: str) -> Synset | None:
    if line.startswith("  ") or "|" not in line:
        return None
    head, gloss = line.split("|", 1)
    f = head.split()
    offset, pos, n = f[0], f[2], int(f[3], 16)
    words = [re.sub(r"\([a-z]+\)$", "", f[4 + 2 * i]).replace("_", " ") for i in range(n)]
    i = 4 + 2 * n
    p_cnt = int(f[i]); i += 1
    ptrs = []
    for _ in range(p_cnt):
        sym, off, ppos, st = f[i], f[i + 1], f[i + 2], f[i + 3]
        ptrs.append((sym, off, ppos, int(st[:2], 16), int(st[2:], 16)))
        i += 4
    definition, examples = split_gloss(gloss)
    return Synset(offset, pos, words, ptrs, definition, examples)


def read_synsets(root: Path = WORDNET) -> dict[tuple[str, str], Synset]:
    """{(file pos n/v/a/r, offset): Synset}; satellites live in data.adj under pos 'a'."""
    out = {}
    for p, name in POS_FILES.items():
        with open(root / f"data.{name}", encoding="utf-8", errors="replace") as f:
            for line in f:
                s = parse_data_line(line)
                if s:
                    out[(p, s.offset)] = s
    return out


def read_index(root: Path = WORDNET) -> dict[tuple[str, str], list[str]]:
    """{(lemma with spaces, pos n/v/a/r): synset offsets, most frequent sense first}."""
    out = {}
    for p, name in POS_FILES.items():
        with open(root / f"index.{name}", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  "):
                    continue
                t = line.split()
                lemma, n_syn, p_cnt = t[0], int(t[2]), int(t[3])
                offs = t[4 + p_cnt + 2:4 + p_cnt + 2 + n_syn]
                out[(lemma.replace("_", " "), p)] = offs
    return out


def read_counts(root: Path = WORDNET) -> Counter:
    """Tagged sense counts summed per (lemma, pos) from cntlist.rev."""
    c: Counter = Counter()
    p = root / "cntlist.rev"
    if p.exists():
        for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
            t = line.split()
            if len(t) != 3 or "%" not in t[0]:
                continue
            lemma, rest = t[0].split("%", 1)
            c[(lemma.replace("_", " "), CNT_POS.get(rest[:1], "n"))] += int(t[2])
    return c


def read_exceptions(root: Path = WORDNET) -> set[str]:
    out = set()
    for name in POS_FILES.values():
        p = root / f"{name}.exc"
        if p.exists():
            for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
                out.update(w.replace("_", " ") for w in line.split())
    return out


# ---------------------------------------------------------------------------------------------- answers
def article(w: str) -> str:
    return "an" if w[:1].lower() in "aeiou" else "a"


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def sentence(s: str) -> str:
    s = s.strip()
    return s if s[-1:] in ".!?" else s + "."


@dataclass
class Entry:
    """What the corpus knows about one (lemma, pos): answers per kind (None when WordNet has nothing)."""
    lemma: str
    pos: str
    display: str
    answers: dict[str, str]


def build_entry(lemma: str, pos: str, offsets: list[str], synsets: dict) -> Entry | None:
    s = synsets.get((pos, offsets[0]))
    if s is None or not s.definition:
        return None
    display = next((w for w in s.words if w.lower() == lemma), lemma)
    pname = POS_NAMES[s.pos]
    answers = {"meaning": f"{cap(display)} ({pname}): {sentence(s.definition)}"}
    others = []
    for w in s.words:
        if w.lower() != lemma and w not in others:
            others.append(w)
    if others:
        answers["synonyms"] = f"Synonyms of {display} ({pname}): {', '.join(others)}."
    widx = next((i + 1 for i, w in enumerate(s.words) if w.lower() == lemma), 0)
    ants = []
    for sym, off, ppos, src, tgt in s.pointers:
        if sym == "!" and src == widx and tgt > 0:
            t = synsets.get(("a" if ppos == "s" else ppos, off))
            if t and tgt <= len(t.words) and t.words[tgt - 1] not in ants:
                ants.append(t.words[tgt - 1])
    if ants:
        answers["antonyms"] = f"The opposite of {display} ({pname}) is {' or '.join(ants)}."
    hyp = next(((sym, off, ppos) for sym, off, ppos, _, _ in s.pointers if sym in ("@", "@i")), None)
    if hyp and pos in ("n", "v"):
        h = synsets.get((hyp[2], hyp[1]))
        if h and h.definition:
            hw = h.words[0]
            if pos == "v":
                answers["hypernym"] = f"To {display} is a way to {hw}: {sentence(h.definition)}"
            elif hyp[0] == "@i":
                answers["hypernym"] = f"{cap(display)} is an instance of {hw}: {sentence(h.definition)}"
            else:
                answers["hypernym"] = f"{cap(article(display))} {display} is a kind of {hw}: {sentence(h.definition)}"
    stem = lemma.split()[0][:max(3, len(lemma.split()[0]) - 2)]
    ex = next((e for e in s.examples if stem in e.lower()), None)
    if ex:
        answers["example"] = f'For example: "{ex}".'
    return Entry(lemma, pos, display, answers)


def question(kind: str, w: str, rng: random.Random, pos_name: str | None = None) -> str:
    if kind == "meaning" and pos_name:
        return rng.choice(MEANING_POS_Q).format(w=w, a=article(pos_name), pos=pos_name)
    t = rng.choice(QUESTIONS[kind])
    return t.format(w=w, W=cap(w))


def conv(*turns: str) -> list[dict]:
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]


def pseudo_words(rng: random.Random, n: int, forbidden: set[str]) -> list[str]:
    out, seen = [], set()
    while len(out) < n:
        w = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(rng.choice((2, 2, 3))))
        if 5 <= len(w) <= 10 and w not in forbidden and w not in seen:
            seen.add(w)
            out.append(w)
    return out


def offtopic_prompt(t: str, rng: random.Random, held: bool) -> str:
    return t.format(city=rng.choice(CITIES_EVAL if held else CITIES), lang=rng.choice(LANGS_EVAL if held else LANGS),
                    topic=rng.choice(TOPICS_EVAL if held else TOPICS), x=rng.randint(2, 999), y=rng.randint(2, 99))


# ---------------------------------------------------------------------------------------------- corpus
def build_conversations(synsets: dict, index: dict, counts: Counter, forbidden: set[str], seed: int = 0,
                        heldout_frac: float = 0.02, n_unknown: int = 8000, n_unknown_eval: int = 300,
                        n_offtopic: int = 4000, n_offtopic_eval: int = 200, top_frequent: int = 2000,
                        n_random_eval: int = 1000, frequent_repeats: int = 5000, multi_frac: float = 0.15,
                        max_lemmas: int = 0):
    """Returns (train, heldout, eval_dict, stats): train/heldout are lists of (kind, messages). `max_lemmas` > 0 keeps
    only the that many most frequent lemmas (WordNet tagged sense counts) - the scope a CPU can train in an hour."""
    rng = random.Random(seed)
    entries: dict[tuple[str, str], Entry] = {}
    for (lemma, pos), offs in sorted(index.items()):
        e = build_entry(lemma, pos, offs, synsets)
        if e:
            entries[(lemma, pos)] = e
    by_lemma: dict[str, list[Entry]] = defaultdict(list)
    for (lemma, pos), e in entries.items():
        by_lemma[lemma].append(e)
    order = {"n": 0, "v": 1, "a": 2, "r": 3}
    primary = {}
    for lemma, es in by_lemma.items():
        es.sort(key=lambda e: (-counts.get((e.lemma, e.pos), 0), order[e.pos]))
        primary[lemma] = es[0]
    lemmas = sorted(by_lemma)
    if max_lemmas:
        lemmas = sorted(sorted(lemmas, key=lambda l: (-sum(counts.get((l, p), 0) for p in "nvar"), l))[:max_lemmas])
    held = set(rng.sample(lemmas, max(1, int(round(heldout_frac * len(lemmas))))))
    freq = sorted(lemmas, key=lambda l: (-sum(counts.get((l, p), 0) for p in "nvar"), l))
    frequent = set(freq[:frequent_repeats])

    train, heldout = [], []
    trained_q = {}
    for lemma in lemmas:
        dest = heldout if lemma in held else train
        es = by_lemma[lemma]
        prim = primary[lemma]
        reps = 3 if lemma in frequent else 1
        for r in range(reps):
            q = question("meaning", prim.display, rng)
            dest.append(("meaning", conv(q, prim.answers["meaning"])))
            if r == 0:
                trained_q[lemma] = q
        for e in es:
            if len(es) > 1:
                dest.append(("meaning", conv(question("meaning", e.display, rng, POS_NAMES[e.pos]), e.answers["meaning"])))
            for kind in ("synonyms", "antonyms", "hypernym", "example"):
                if kind in e.answers and (e is prim or kind == "antonyms"):
                    dest.append((kind, conv(question(kind, e.display, rng), e.answers[kind])))
        if rng.random() < multi_frac or (lemma in frequent and rng.random() < 0.5):
            kinds = [k for k in ("synonyms", "antonyms", "hypernym", "example") if k in prim.answers]
            if kinds:
                rng.shuffle(kinds)
                turns = [question("meaning", prim.display, rng), prim.answers["meaning"]]
                for k in kinds[:rng.choice((1, 2))]:
                    turns += [rng.choice(FOLLOW[k]), prim.answers[k]]
                dest.append(("multi", conv(*turns)))
    # refusals
    words = pseudo_words(rng, n_unknown + n_unknown_eval, forbidden)
    unk_train, unk_eval = words[:n_unknown], words[n_unknown:]
    for w in unk_train:
        kind = rng.choice(["meaning"] * 4 + ["synonyms", "antonyms", "hypernym", "example"])
        q = question(kind, w, rng)
        if rng.random() < 0.1:  # after a real word
            e = primary[rng.choice([l for l in freq[:3000] if l not in held][:3000])]
            train.append(("unknown", conv(question("meaning", e.display, rng), e.answers["meaning"], q, UNKNOWN_REPLY.format(w=w))))
        else:
            train.append(("unknown", conv(q, UNKNOWN_REPLY.format(w=w))))
    for i in range(n_offtopic):
        train.append(("offtopic", conv(offtopic_prompt(OFFTOPIC_T[i % len(OFFTOPIC_T)], rng, False), OFFTOPIC_REPLY)))
    off_eval = []
    for i in range(n_offtopic_eval):
        tpl = OFFTOPIC_T_EVAL[i % len(OFFTOPIC_T_EVAL)] if i % 2 == 0 else OFFTOPIC_T[i % len(OFFTOPIC_T)]
        off_eval.append(offtopic_prompt(tpl, rng, True))
    unk_eval_q = [(w, question("meaning", w, rng)) for w in unk_eval]
    for w, q in unk_eval_q:
        heldout.append(("unknown", conv(q, UNKNOWN_REPLY.format(w=w))))
    for p in off_eval:
        heldout.append(("offtopic", conv(p, OFFTOPIC_REPLY)))
    rng.shuffle(train)

    # evaluation sets
    train_lemmas = [l for l in freq if l not in held]
    top = train_lemmas[:top_frequent]
    rest = train_lemmas[top_frequent:]
    sample = sorted(rng.sample(rest, min(n_random_eval, len(rest))), key=freq.index) if rest else []

    def item(l, group):
        e = primary[l]
        alt = question("meaning", e.display, rng)
        return {"lemma": l, "pos": POS_NAMES[e.pos], "group": group, "question": trained_q[l], "question_alt": alt,
                "expected": e.answers["meaning"]}
    ev = {
        "unknown_reply": UNKNOWN_REPLY, "offtopic_reply": OFFTOPIC_REPLY,
        "trained": [item(l, "frequent") for l in top] + [item(l, "random") for l in sample],
        "unknown": [{"word": w, "question": q, "expected": UNKNOWN_REPLY.format(w=w)} for w, q in unk_eval_q],
        "offtopic": [{"question": p, "expected": OFFTOPIC_REPLY} for p in off_eval],
        "heldout_lemmas": [{"lemma": l, "pos": POS_NAMES[primary[l].pos], "question": question("meaning", primary[l].display, rng),
                            "expected": primary[l].answers["meaning"]} for l in sorted(held)],
    }
    train_answers = {m["content"].split(": ", 1)[-1] for _, c in train if _ == "meaning" for m in c if m["role"] == "assistant"}
    shared = sum(1 for l in held if primary[l].answers["meaning"].split(": ", 1)[-1] in train_answers)
    stats = {
        "synsets": len(synsets), "index_entries": len(index), "entries_with_gloss": len(entries), "lemmas": len(lemmas),
        "heldout_lemmas": len(held), "heldout_lemma_glosses_also_in_train_via_shared_synset": shared,
        "pseudo_words_train": len(unk_train), "pseudo_words_eval": len(unk_eval), "offtopic_train": n_offtopic,
        "offtopic_eval": len(off_eval), "conversations_train": len(train), "conversations_heldout": len(heldout),
        "train_by_kind": dict(Counter(k for k, _ in train)), "heldout_by_kind": dict(Counter(k for k, _ in heldout)),
        "eval_trained": len(ev["trained"]), "eval_unknown": len(ev["unknown"]), "eval_offtopic": len(ev["offtopic"]),
        "eval_heldout_lemmas": len(ev["heldout_lemmas"]), "kinds": KINDS,
    }
    return train, heldout, ev, stats


# ---------------------------------------------------------------------------------------------- tokenizing
_ASCII_PRE = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")


def fast_pretokenize(text: str) -> list[str]:
    """GPT-2's regex with Python's `re` for pure-ASCII text (identical there), else bpe.pretokenize."""
    if text.isascii() and not any(c in text for c in "\x1c\x1d\x1e\x1f\x0b\x0c"):
        return _ASCII_PRE.findall(text)
    return pretokenize(text)


class FastEncoder:
    """`ByteLevelBPE.encode` for special-free text, with a per-piece id cache (dictionary text repeats a lot)."""

    def __init__(self, bpe: ByteLevelBPE):
        self.bpe = bpe
        self.cache: dict[str, list[int]] = {}
        self.ids = {t: bpe.vocab[t] for t in bpe.special_tokens}

    def text(self, text: str) -> list[int]:
        out: list[int] = []
        cache, bpe = self.cache, self.bpe
        for piece in fast_pretokenize(text):
            ids = cache.get(piece)
            if ids is None:
                ids = cache[piece] = [bpe.vocab[t] for t in bpe._bpe(to_byte_chars(piece))]
            out.extend(ids)
        return out

    def conversation(self, messages: list[dict]) -> tuple[list[int], list[int]]:
        """Ids of render_chat(messages, add_generation_prompt=False) and the loss mask: 1 on each assistant
        message's content tokens and its <|end|> (the "\\n" after <|assistant|> belongs to the prompt)."""
        ids = [self.ids["<|endoftext|>"]]
        mask = [0]
        nl = self.text("\n")
        for m in messages:
            ids.append(self.ids[f"<|{m['role']}|>"]); mask.append(0)
            ids.extend(nl); mask.extend([0] * len(nl))
            body = self.text(m["content"])
            ids.extend(body)
            a = 1 if m["role"] == "assistant" else 0
            mask.extend([a] * len(body))
            ids.append(self.ids["<|end|>"]); mask.append(a)
            ids.extend(nl); mask.extend([0] * len(nl))
        return ids, mask


def tokenize_set(enc: FastEncoder, convs: list, kinds: list[str] = KINDS) -> dict[str, np.ndarray]:
    toks: list[int] = []
    mask: list[int] = []
    offsets = []
    kind_ids = []
    for kind, messages in convs:
        offsets.append(len(toks))
        i, m = enc.conversation(messages)
        toks.extend(i)
        mask.extend(m)
        kind_ids.append(kinds.index(kind))
    offsets.append(len(toks))
    assert max(toks) < 65536
    return {"tokens": np.asarray(toks, dtype=np.uint16), "mask": np.asarray(mask, dtype=np.uint8),
            "offsets": np.asarray(offsets, dtype=np.int64), "kinds": np.asarray(kind_ids, dtype=np.uint8)}


def render(messages: list[dict]) -> str:
    return "<|endoftext|>" + "".join(f"<|{m['role']}|>\n{m['content']}<|end|>\n" for m in messages)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("chat/data"))
    ap.add_argument("--wordnet", type=Path, default=WORDNET)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--vocab", type=int, default=4096, help="total vocabulary incl. special tokens")
    ap.add_argument("--bpe-sample", type=int, default=30000, help="conversations whose text trains the BPE")
    ap.add_argument("--max-train-conversations", type=int, default=0, help="0 = all")
    ap.add_argument("--lemmas", type=int, default=0, help="keep the N most frequent lemmas only (0 = all of WordNet)")
    ap.add_argument("--unknown", type=int, default=8000, help="made-up-word refusals in training")
    ap.add_argument("--offtopic", type=int, default=4000, help="off-topic refusals in training")
    ap.add_argument("--eval-frequent", type=int, default=2000, help="most frequent trained words in the gloss evaluation")
    ap.add_argument("--eval-random", type=int, default=1000, help="further random trained words in the gloss evaluation")
    args = ap.parse_args(argv)
    t0 = time.time()
    synsets = read_synsets(args.wordnet)
    index = read_index(args.wordnet)
    counts = read_counts(args.wordnet)
    forbidden = {l for l, _ in index} | read_exceptions(args.wordnet)
    for s in synsets.values():
        forbidden.update(w.lower() for w in s.words)
        forbidden.update(re.findall(r"[a-z]+", (s.definition + " " + " ".join(s.examples)).lower()))
    train, heldout, ev, stats = build_conversations(synsets, index, counts, forbidden, seed=args.seed,
                                                    max_lemmas=args.lemmas, n_unknown=args.unknown,
                                                    n_offtopic=args.offtopic, top_frequent=args.eval_frequent,
                                                    n_random_eval=args.eval_random)
    if args.max_train_conversations:
        train = train[:args.max_train_conversations]
        stats["conversations_train"] = len(train)
    print(f"[corpus] {len(train):,} train / {len(heldout):,} held-out conversations ({time.time() - t0:.0f} s)", flush=True)
    rng = random.Random(args.seed + 1)
    sample = [render(m) for _, m in rng.sample(train, min(args.bpe_sample, len(train)))]
    t1 = time.time()
    bpe = train_bpe(sample, args.vocab - len(SPECIAL_TOKENS) - 256)
    print(f"[corpus] BPE {bpe.vocab_size} tokens in {time.time() - t1:.0f} s", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    bpe.save(args.out / "tokenizer.json")
    enc = FastEncoder(bpe)
    check = [render(m) for _, m in train[:200]]
    t2 = time.time()
    tr = tokenize_set(enc, train)
    ho = tokenize_set(enc, heldout)
    got = [enc.conversation(m)[0] for _, m in train[:200]]
    assert got == [bpe.encode(s) for s in check], "fast tokenizer differs from ByteLevelBPE.encode"
    print(f"[corpus] tokenized {len(tr['tokens']):,} + {len(ho['tokens']):,} tokens in {time.time() - t2:.0f} s", flush=True)
    np.savez_compressed(args.out / "train.npz", **tr)
    np.savez_compressed(args.out / "heldout.npz", **ho)
    (args.out / "eval.json").write_text(json.dumps(ev, ensure_ascii=False, indent=1) + "\n")
    # the tokenizer check for @huggingface/tokenizers (chat/check_tokenizer.mjs)
    text = "\n".join(check[:50]) + " I'll say it's 12.5mm -- they're   here!\n\n  café 日本語 🙂"
    (args.out / "tokenizer_check.json").write_text(json.dumps({"text": text, "ids": bpe.encode(text)}, ensure_ascii=False) + "\n")
    stats.update({"vocab_size": bpe.vocab_size, "bpe_sample_conversations": len(sample),
                  "tokens_train": int(len(tr["tokens"])), "tokens_heldout": int(len(ho["tokens"])),
                  "answer_tokens_train": int(tr["mask"].sum()), "answer_tokens_heldout": int(ho["mask"].sum()),
                  "max_conversation_tokens": int(np.diff(tr["offsets"]).max()),
                  "mean_conversation_tokens": float(np.diff(tr["offsets"]).mean()), "seconds": round(time.time() - t0, 1)})
    (args.out / "stats.json").write_text(json.dumps(stats, indent=1) + "\n")
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"[corpus] wrote {args.out} ({size / 2**20:.1f} MiB) in {time.time() - t0:.0f} s", flush=True)
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
