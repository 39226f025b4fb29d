"""Build a compact lexicon of every WordNet 3.0 lemma for retrieval-grounded chat answers.

Reads Debian's wordnet-base database files (``/usr/share/wordnet``) and writes::

    <out>/lexicon.bin          gzip'd JSON (format below), deterministic bytes; not named .gz, because static
                               servers (Vite's sirv among them) send a .gz file with Content-Encoding: gzip,
                               the browser unpacks it and the size/SHA-256 check against the manifest fails
    <out>/LICENSE-WordNet.txt  the WordNet 3.0 licence
    <out>/manifest.json        {files: [{path, bytes, sha256}], licence, source}

JSON format (version 1)::

    {
      "version": 1,
      "source": "WordNet 3.0",
      "pos": ["n", "v", "a", "r"],
      "synsets": ["pos\twords\tdefinition\texamples\thypernyms\thyponyms\tantonyms", ...],
      "lemmas": {"bread": "n1234,5678;v901", ...},
      "freq": {"bread": [n, v, a, r], ...},
      "exc": {"n": {"geese": ["goose"]}, "v": {...}, "a": {...}, "r": {...}}
    }

Synsets and lemma entries are flat strings (decoded on demand in the browser) because
``JSON.parse`` of ~120k small nested arrays costs seconds; a few big strings cost milliseconds.
A synset record is tab-separated: ``words`` space-separated, ``examples`` ``|``-separated,
``hypernyms``/``hyponyms`` comma-separated synset ids, ``antonyms`` ``;``-separated
``src,synset,dst`` triples.  A lemma entry is ``;``-separated ``<pos><id>,<id>...`` groups.

* ``synsets`` are stored once and referenced by index.  ``pos`` is n/v/a/r (adjective
  satellites are folded into ``a``).  ``words`` keep WordNet's spelling (case, underscores);
  ``hypernyms`` (``@``, ``@i``) and ``hyponyms`` (``~``, ``~i``, at most ``HYPONYM_CAP``)
  are synset ids; ``antonyms`` are ``[sourceWordIndex, synsetId, targetWordIndex]`` triples
  from lexical ``!`` pointers (word indices are 0-based into ``words``).
* ``lemmas`` maps every index-file lemma (lower case, underscores) to its synset ids per
  part of speech in index-file order, which is WordNet's sense-frequency order.
* ``freq`` holds SemCor tag counts from ``cntlist.rev`` summed per lemma and part of speech
  (only lemmas with a non-zero count); the browser uses it to rank spelling suggestions.
* ``exc`` are the morphological exception lists (inflected form -> base forms).

Usage: ``cd training && /usr/bin/python3 -m chat.lexicon --out ../public/models/chat/lexicon``
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import re
from pathlib import Path

WORDNET_DIR = Path('/usr/share/wordnet')
COPYRIGHT = Path('/usr/share/doc/wordnet-base/copyright')
POS_FILES = {'n': 'noun', 'v': 'verb', 'a': 'adj', 'r': 'adv'}
POS_ORDER = ['n', 'v', 'a', 'r']
HYPONYM_CAP = 8
EXAMPLE_CAP = 4
SENSE_KEY_POS = {'1': 'n', '2': 'v', '3': 'a', '4': 'r', '5': 'a'}

_ADJ_MARKER = re.compile(r'\((?:a|p|ip)\)$')
_QUOTED = re.compile(r'"([^"]*)"')


def split_gloss(gloss: str) -> tuple[str, list[str]]:
    """Split a WordNet gloss into its definition and its quoted example sentences."""
    examples = [e.strip() for e in _QUOTED.findall(gloss) if e.strip()]
    definition = _QUOTED.sub('', gloss)
    definition = re.sub(r'(\s*;\s*)+', '; ', definition)
    definition = re.sub(r'\s+', ' ', definition).strip().strip(';').strip()
    definition = re.sub(r'\s*;$', '', definition)
    return definition, examples


def parse_data_line(line: str, pos: str) -> dict:
    """Parse one line of a ``data.<pos>`` file into its raw fields."""
    head, _, gloss = line.partition(' | ')
    if not _:
        head, gloss = line.split('|', 1)[0], ''
    f = head.split()
    offset = int(f[0])
    w_cnt = int(f[3], 16)
    words = []
    i = 4
    for _ in range(w_cnt):
        words.append(_ADJ_MARKER.sub('', f[i]))
        i += 2
    p_cnt = int(f[i])
    i += 1
    ptrs = []
    for _ in range(p_cnt):
        sym, target, tpos, st = f[i], int(f[i + 1]), f[i + 2], f[i + 3]
        ptrs.append((sym, target, 'a' if tpos == 's' else tpos, int(st[:2], 16), int(st[2:], 16)))
        i += 4
    return {'offset': offset, 'pos': pos, 'words': words, 'ptrs': ptrs, 'gloss': gloss.strip()}


def read_data(wn: Path) -> dict[tuple[str, int], dict]:
    out = {}
    for pos, name in POS_FILES.items():
        with open(wn / f'data.{name}', encoding='utf-8') as fh:
            for line in fh:
                if line.startswith('  '):
                    continue                                      # licence header
                rec = parse_data_line(line.rstrip('\n'), pos)
                out[(pos, rec['offset'])] = rec
    return out


def read_index(wn: Path) -> dict[str, dict[str, list[int]]]:
    """lemma -> pos -> synset offsets in index order (most frequent sense first)."""
    lemmas: dict[str, dict[str, list[int]]] = {}
    for pos, name in POS_FILES.items():
        with open(wn / f'index.{name}', encoding='utf-8') as fh:
            for line in fh:
                if line.startswith('  '):
                    continue
                f = line.split()
                lemma, synset_cnt, p_cnt = f[0], int(f[2]), int(f[3])
                offsets = [int(x) for x in f[4 + p_cnt + 2:]]
                assert len(offsets) == synset_cnt, line
                lemmas.setdefault(lemma, {})[pos] = offsets
    return lemmas


def read_exceptions(wn: Path) -> dict[str, dict[str, list[str]]]:
    exc: dict[str, dict[str, list[str]]] = {}
    for pos, name in POS_FILES.items():
        table: dict[str, list[str]] = {}
        with open(wn / f'{name}.exc', encoding='utf-8') as fh:
            for line in fh:
                f = line.split()
                if len(f) >= 2:
                    table.setdefault(f[0], [])
                    for base in f[1:]:
                        if base not in table[f[0]]:
                            table[f[0]].append(base)
        exc[pos] = table
    return exc


def read_counts(wn: Path) -> dict[str, list[int]]:
    """SemCor tag counts per lemma, summed per part of speech (n, v, a, r)."""
    freq: dict[str, list[int]] = {}
    with open(wn / 'cntlist.rev', encoding='utf-8') as fh:
        for line in fh:
            f = line.split()
            if len(f) < 3:
                continue
            lemma, _, rest = f[0].partition('%')
            pos = SENSE_KEY_POS.get(rest[:1])
            count = int(f[2])
            if pos is None or count <= 0:
                continue
            slot = freq.setdefault(lemma.lower(), [0, 0, 0, 0])
            slot[POS_ORDER.index(pos)] += count
    return freq


def build_lexicon(wn: Path = WORDNET_DIR, hyponym_cap: int = HYPONYM_CAP, example_cap: int = EXAMPLE_CAP) -> dict:
    data = read_data(wn)
    index = read_index(wn)
    keys = sorted(data, key=lambda k: (POS_ORDER.index(k[0]), k[1]))
    ids = {k: i for i, k in enumerate(keys)}
    synsets = []
    for k in keys:
        rec = data[k]
        definition, examples = split_gloss(rec['gloss'])
        hyper, hypo, ant = [], [], []
        for sym, target, tpos, src, dst in rec['ptrs']:
            tid = ids[(tpos, target)]
            if sym in ('@', '@i'):
                hyper.append(tid)
            elif sym in ('~', '~i'):
                hypo.append(tid)
            elif sym == '!' and src and dst:
                ant.append([src - 1, tid, dst - 1])
        synsets.append([rec['pos'], rec['words'], definition, examples[:example_cap], hyper, hypo[:hyponym_cap], ant])
    lemmas = {
        lemma: {pos: [ids[(pos, off)] for off in by_pos[pos]] for pos in POS_ORDER if pos in by_pos}
        for lemma, by_pos in index.items()
    }
    freq = {lemma: c for lemma, c in read_counts(wn).items() if lemma in lemmas}
    return {
        'version': 1,
        'source': 'WordNet 3.0',
        'pos': POS_ORDER,
        'synsets': synsets,
        'lemmas': lemmas,
        'freq': freq,
        'exc': read_exceptions(wn),
    }


def pack_synset(s: list) -> str:
    pos, words, definition, examples, hyper, hypo, ant = s
    for text in [definition, *examples, *words]:
        assert '\t' not in text and '|' not in text, text
    return '\t'.join([pos, ' '.join(words), definition, '|'.join(examples), ','.join(map(str, hyper)),
                      ','.join(map(str, hypo)), ';'.join(','.join(map(str, a)) for a in ant)])


def unpack_synset(rec: str) -> list:
    pos, words, definition, examples, hyper, hypo, ant = rec.split('\t')
    ints = lambda t: [int(x) for x in t.split(',')] if t else []   # noqa: E731
    return [pos, words.split(' '), definition, examples.split('|') if examples else [], ints(hyper), ints(hypo),
            [ints(a) for a in ant.split(';')] if ant else []]


def pack(lexicon: dict) -> dict:
    """The on-disk form: synsets and lemma entries as flat strings."""
    return {**lexicon,
            'synsets': [pack_synset(s) for s in lexicon['synsets']],
            'lemmas': {k: ';'.join(p + ','.join(map(str, ids)) for p, ids in v.items()) for k, v in lexicon['lemmas'].items()}}


def encode(lexicon: dict) -> bytes:
    """Deterministic gzip'd JSON (sorted keys, compact separators, mtime 0)."""
    raw = json.dumps(lexicon, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    buf = io.BytesIO()
    with gzip.GzipFile(filename='', mode='wb', fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    return buf.getvalue()


def licence_text(copyright_file: Path = COPYRIGHT) -> str:
    """The WordNet3.0 licence paragraph from the Debian copyright file, de-indented."""
    lines = copyright_file.read_text(encoding='utf-8').splitlines()
    out, inside = [], False
    for line in lines:
        if line.startswith('License: WordNet3.0'):
            inside = True
            continue
        if inside:
            if not line.startswith(' '):
                break
            body = line[1:]
            out.append('' if body == '.' else body)
    return 'WordNet 3.0 licence (from Debian wordnet-base, ' + str(copyright_file) + ')\n\n' + '\n'.join(out).rstrip() + '\n'


def write(out: Path, wn: Path = WORDNET_DIR) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    lex = build_lexicon(wn)
    blob = encode(pack(lex))
    (out / 'lexicon.bin').write_bytes(blob)
    lic = licence_text().encode('utf-8')
    (out / 'LICENSE-WordNet.txt').write_bytes(lic)
    manifest = {
        'files': [
            {'path': 'lexicon.bin', 'role': 'lexicon', 'bytes': len(blob), 'sha256': hashlib.sha256(blob).hexdigest()},
            {'path': 'LICENSE-WordNet.txt', 'role': 'licence', 'bytes': len(lic), 'sha256': hashlib.sha256(lic).hexdigest()},
        ],
        'licence': {'spdx': 'LicenseRef-WordNet-3.0', 'file': 'LICENSE-WordNet.txt'},
        'source': {
            'data': 'WordNet 3.0 (Princeton University), Debian package wordnet-base',
            'builder': 'training/chat/lexicon.py',
            'hyponymCap': str(HYPONYM_CAP),
            'exampleCap': str(EXAMPLE_CAP),
        },
    }
    (out / 'manifest.json').write_text(json.dumps(manifest, indent=2, sort_keys=True) + '\n', encoding='utf-8')
    return {'lemmas': len(lex['lemmas']), 'synsets': len(lex['synsets']), 'gz_bytes': len(blob),
            'json_bytes': len(gzip.decompress(blob))}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', type=Path, required=True)
    ap.add_argument('--wordnet', type=Path, default=WORDNET_DIR)
    args = ap.parse_args(argv)
    print(json.dumps(write(args.out, args.wordnet)))


if __name__ == '__main__':
    main()
