"""Byte-level BPE (GPT-2 style) trained by the project, written as a standard Hugging Face `tokenizer.json`.

The pre-tokenizer is GPT-2's regex
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
implemented by hand (Debian's Python has no `regex` module), so `encode` here gives the same ids as
`@huggingface/tokenizers` loading the JSON (`ByteLevel` pre-tokenizer with `use_regex: true`); the Node tests
check that on real text. Vocabulary layout: special tokens first (ids 0..S-1), then the 256 bytes in GPT-2's
byte-to-unicode order, then one token per merge, in merge order.
"""
from __future__ import annotations

import json
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

# `<|endoftext|>` separates documents (BOS/EOS/pad); the chat template uses the role markers and `<|end|>`.
SPECIAL_TOKENS = ["<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable unicode characters (space -> 'Ġ', newline -> 'Ċ')."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_TO_CHAR = bytes_to_unicode()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}


def _is_letter(c: str) -> bool:
    return unicodedata.category(c).startswith("L")


def _is_number(c: str) -> bool:
    return unicodedata.category(c).startswith("N")


def _is_space(c: str) -> bool:
    return c.isspace()


def _is_other(c: str) -> bool:
    return not (_is_space(c) or _is_letter(c) or _is_number(c))


def pretokenize(text: str) -> list[str]:
    """Splits `text` exactly like GPT-2's pre-tokenization regex (see the module docstring)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        hit = next((k for k in CONTRACTIONS if text.startswith(k, i)), None)
        if hit:
            out.append(hit)
            i += len(hit)
            continue
        j = i + 1 if c == " " and i + 1 < n else i
        for klass in (_is_letter, _is_number, _is_other):
            if klass(text[j]) and (j == i or not _is_space(text[j])):
                k = j
                while k < n and klass(text[k]):
                    k += 1
                out.append(text[i:k])
                i = k
                break
        else:
            # whitespace: \s+(?!\S) leaves the last space to the next word; a lone space before a word falls to \s+
            k = i
            while k < n and _is_space(text[k]):
                k += 1
            if k < n and k - i > 1:
                k -= 1
            out.append(text[i:k])
            i = k
    return out


def to_byte_chars(piece: str) -> str:
    return "".join(BYTE_TO_CHAR[b] for b in piece.encode("utf-8"))


@dataclass
class ByteLevelBPE:
    merges: list[tuple[str, str]]
    special_tokens: list[str] = field(default_factory=lambda: list(SPECIAL_TOKENS))

    def __post_init__(self):
        self.vocab: dict[str, int] = {}
        for t in self.special_tokens:
            self.vocab[t] = len(self.vocab)
        for b in range(256):
            self.vocab.setdefault(BYTE_TO_CHAR[b], len(self.vocab))
        for a, b in self.merges:
            self.vocab.setdefault(a + b, len(self.vocab))
        self.ranks = {pair: r for r, pair in enumerate(self.merges)}
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        self._cache: dict[str, list[str]] = {}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def token_id(self, token: str) -> int:
        return self.vocab[token]

    def _bpe(self, word: str) -> list[str]:
        if word in self._cache:
            return self._cache[word]
        parts = list(word)
        while len(parts) > 1:
            best = min(((self.ranks.get((parts[i], parts[i + 1]), 1 << 30), i) for i in range(len(parts) - 1)))
            if best[0] == 1 << 30:
                break
            pair = (parts[best[1]], parts[best[1] + 1])
            merged, i = [], 0
            while i < len(parts):
                if i < len(parts) - 1 and (parts[i], parts[i + 1]) == pair:
                    merged.append(parts[i] + parts[i + 1])
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        self._cache[word] = parts
        return parts

    def encode(self, text: str) -> list[int]:
        """Special tokens are matched first (longest first), the rest is pre-tokenized and merged by rank."""
        ids: list[int] = []
        for chunk, special in split_special(text, self.special_tokens):
            if special:
                ids.append(self.vocab[chunk])
                continue
            for piece in pretokenize(chunk):
                ids.extend(self.vocab[t] for t in self._bpe(to_byte_chars(piece)))
        return ids

    def decode(self, ids: list[int], skip_special: bool = False) -> str:
        out, buf = [], []
        for i in ids:
            t = self.id_to_token[i]
            if t in self.special_tokens:
                if buf:
                    out.append(bytes(CHAR_TO_BYTE[c] for c in "".join(buf)).decode("utf-8", errors="replace"))
                    buf = []
                if not skip_special:
                    out.append(t)
            else:
                buf.append(t)
        if buf:
            out.append(bytes(CHAR_TO_BYTE[c] for c in "".join(buf)).decode("utf-8", errors="replace"))
        return "".join(out)

    def to_tokenizer_json(self) -> dict:
        """The Hugging Face `tokenizer.json` (tokenizers 0.13+ layout) that `@huggingface/tokenizers` loads."""
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": self.vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
                for t in self.special_tokens
            ],
            "normalizer": None,
            "pre_tokenizer": byte_level,
            "post_processor": {**byte_level, "trim_offsets": False},
            "decoder": byte_level,
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": None,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "ignore_merges": False,
                "vocab": self.vocab,
                "merges": [f"{a} {b}" for a, b in self.merges],
            },
        }

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_tokenizer_json(), ensure_ascii=False, indent=None) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "ByteLevelBPE":
        j = json.loads(Path(path).read_text(encoding="utf-8"))
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in j["model"]["merges"]]
        specials = [t["content"] for t in sorted(j["added_tokens"], key=lambda t: t["id"])]
        return cls(merges=merges, special_tokens=specials)


def split_special(text: str, specials: list[str]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    ordered = sorted(specials, key=len, reverse=True)
    i = start = 0
    while i < len(text):
        hit = next((s for s in ordered if text.startswith(s, i)), None)
        if hit:
            if i > start:
                out.append((text[start:i], False))
            out.append((hit, True))
            i += len(hit)
            start = i
        else:
            i += 1
    if start < len(text):
        out.append((text[start:], False))
    return out


def train_bpe(texts: list[str], num_merges: int, special_tokens: list[str] | None = None, min_frequency: int = 2) -> ByteLevelBPE:
    """Classic BPE on pre-tokenized words: repeatedly merge the most frequent adjacent pair (ties broken by the
    pair itself, so training is deterministic). Pair counts are updated incrementally, only for words that change."""
    specials = list(special_tokens or SPECIAL_TOKENS)
    counts: Counter[str] = Counter()
    for text in texts:
        for chunk, special in split_special(text, specials):
            if not special:
                counts.update(to_byte_chars(p) for p in pretokenize(chunk))
    words = [list(w) for w in counts]
    freqs = list(counts.values())
    pair_counts: Counter[tuple[str, str]] = Counter()
    where: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for wi, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_counts[(a, b)] += freqs[wi]
            where[(a, b)].add(wi)
    merges: list[tuple[str, str]] = []
    while len(merges) < num_merges and pair_counts:
        pair, count = max(pair_counts.items(), key=lambda kv: (kv[1], kv[0]))
        if count < min_frequency:
            break
        merges.append(pair)
        joined = pair[0] + pair[1]
        for wi in list(where[pair]):
            w, f = words[wi], freqs[wi]
            for a, b in zip(w, w[1:]):
                pair_counts[(a, b)] -= f
                if pair_counts[(a, b)] <= 0:
                    del pair_counts[(a, b)]
            new, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and (w[i], w[i + 1]) == pair:
                    new.append(joined)
                    i += 2
                else:
                    new.append(w[i])
                    i += 1
            words[wi] = new
            for a, b in zip(new, new[1:]):
                pair_counts[(a, b)] += f
                where[(a, b)].add(wi)
        where.pop(pair, None)
    return ByteLevelBPE(merges=merges, special_tokens=specials)


def wordnet_glosses(per_part_of_speech: int | None = None, root: Path = Path("/usr/share/wordnet")) -> list[str]:
    """Definitions and examples from Debian's wordnet-base (`data.{noun,verb,adj,adv}`, the text after `|`);
    the first `per_part_of_speech` of each file when given."""
    out: list[str] = []
    for pos in ("noun", "verb", "adj", "adv"):
        taken = 0
        with open(root / f"data.{pos}", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue  # licence header
                out.append(line.split("|", 1)[1].strip())
                taken += 1
                if per_part_of_speech and taken >= per_part_of_speech:
                    break
    return out
