"""Tests for the WordNet lexicon builder (chat.lexicon)."""
import gzip
import hashlib
import json
from pathlib import Path

import pytest

from chat import lexicon as L

pytestmark = pytest.mark.skipif(not (L.WORDNET_DIR / 'data.noun').exists(), reason='wordnet-base not installed')


@pytest.fixture(scope='module')
def lex():
    return L.build_lexicon()


def heads(lex, ids):
    return [lex['synsets'][i][1][0] for i in ids]


def senses(lex, lemma, pos):
    return [lex['synsets'][i] for i in lex['lemmas'][lemma][pos]]


def test_split_gloss():
    d, ex = L.split_gloss('food made from dough; "she baked bread"; "more"  ')
    assert d == 'food made from dough'
    assert ex == ['she baked bread', 'more']


def test_counts(lex):
    assert 146_000 <= len(lex['lemmas']) <= 148_000     # WordNet 3.0: 147,306 distinct lemma strings
    assert len(lex['synsets']) == 117_659
    assert sum(len(t) for t in lex['exc'].values()) > 5_000


def test_bread(lex):
    s1 = senses(lex, 'bread', 'n')[0]
    assert 'food made from dough' in s1[2]
    assert 'breadstuff' in s1[1] and 'staff_of_life' in s1[1]
    assert 'baked_goods' in heads(lex, s1[4])
    assert 'v' in lex['lemmas']['bread']


def test_dog_hypernym(lex):
    s1 = senses(lex, 'dog', 'n')[0]
    assert 'canine' in heads(lex, s1[4])
    assert 0 < len(s1[5]) <= L.HYPONYM_CAP
    assert s1[3] == ['the dog barked all night']


def test_good_antonym(lex):
    s1 = senses(lex, 'good', 'a')[0]
    ants = [lex['synsets'][sid][1][w] for _, sid, w in s1[6]]
    assert 'bad' in ants


def test_multiword_and_exceptions(lex):
    assert 'ice_cream' in lex['lemmas']
    assert 'ice cream' not in lex['lemmas']
    assert lex['exc']['n']['geese'] == ['goose']
    assert 'go' in lex['exc']['v']['went']
    assert 'good' in lex['exc']['a']['better']


def test_frequency_order_and_freq(lex):
    # index order = frequency order: the first verb sense of "run" is the locomotion one
    assert 'move fast' in senses(lex, 'run', 'v')[0][2]
    assert lex['freq']['run'][1] > lex['freq']['run'][0]


def test_adjective_markers_stripped(lex):
    assert not any('(' in w for s in lex['synsets'] for w in s[1])


def test_pack_roundtrip(lex):
    packed = L.pack(lex)
    for i in (0, 1234, len(lex['synsets']) - 1, lex['lemmas']['good']['a'][0]):
        assert L.unpack_synset(packed['synsets'][i]) == lex['synsets'][i]
    assert packed['lemmas']['bread'].startswith('n')


def test_write_deterministic(tmp_path: Path):
    a = L.encode({'b': 1, 'a': [1, 2]})
    b = L.encode({'a': [1, 2], 'b': 1})
    assert a == b
    assert json.loads(gzip.decompress(a)) == {'a': [1, 2], 'b': 1}


def test_shipped_manifest_matches():
    out = Path(__file__).resolve().parents[3] / 'public/models/chat/lexicon'
    if not (out / 'manifest.json').exists():
        pytest.skip('lexicon not generated')
    manifest = json.loads((out / 'manifest.json').read_text())
    for f in manifest['files']:
        blob = (out / f['path']).read_bytes()
        assert len(blob) == f['bytes']
        assert hashlib.sha256(blob).hexdigest() == f['sha256']
    packed = json.loads(gzip.decompress((out / 'lexicon.bin').read_bytes()))
    assert len(packed['synsets']) == 117_659 and isinstance(packed['synsets'][0], str)
    assert 'WordNet 3.0 Copyright 2006 by Princeton University' in (out / 'LICENSE-WordNet.txt').read_text()
