"""The grounded model's evaluation (chat.evaluate --grounded): headword parsing, key-word accuracy, the six measures."""
from chat.evaluate import grounded_metrics, headword, keyword_match

BREAD = "bread (noun): food made from dough of flour or meal and usually raised with yeast or baking powder and then baked."


def test_headword_and_keyword():
    assert headword(BREAD) == "bread (noun)"
    assert headword("Bread (noun), synonyms: breadstuff.") == "bread (noun)"
    assert headword('I don\'t know the word "blorp". It is not in WordNet 3.0.') is None
    assert keyword_match(BREAD, BREAD)
    assert keyword_match(BREAD.replace(" and then baked", ""), BREAD)  # most content words
    assert not keyword_match("bread (noun): money.", BREAD)
    assert not keyword_match(BREAD.replace("bread (noun)", "bread (verb)"), BREAD)  # another part of speech
    assert not keyword_match(BREAD.replace("bread", "cake", 1), BREAD)


def test_six_measures():
    item = lambda expected, **kw: {"messages": [], "expected": expected, **kw}  # noqa: E731
    unknown = 'I don\'t know the word "Blorp". It is not in WordNet 3.0.'
    off = "Sorry, I can only answer questions about English words: their meanings, synonyms, opposites, kinds and example sentences."
    ev = {"a_heldout_lemmas": [item(BREAD), item("dog (noun): a member of the genus Canis.")], "a_lookup_missed": 1,
          "b_trained_lemmas": [item(BREAD)],
          "c_unknown": [item(unknown, word="Blorp"), item(unknown.replace("Blorp", "Zorp"), word="Zorp")],
          "d_offtopic": [item(off)],
          "e_followups": [item("bread (noun), synonyms: breadstuff, staff of life.", follow="synonyms")]}
    answers = {"a": [BREAD, "cat (noun): a feline."], "b": [BREAD], "c": [unknown, 'I don\'t know the word "zorp".'],
               "d": [off], "e": ["bread (noun), synonyms: breadstuff, staff of life."]}
    m = grounded_metrics(ev, answers)
    assert m["a_heldout_lemmas_heldout_phrasings"] == {"n": 2, "exact": 0.5, "keyword": 0.5, "different_word": 1, "lookup_missed_before_the_model": 1}
    assert m["c_made_up_words"]["refused_quoting_exactly"] == 0.5  # "zorp" is not "Zorp" as typed
    assert m["d_offtopic"]["refused"] == 1.0
    assert m["e_followups"]["exact_by_kind"] == {"synonyms": 1.0}
    assert m["f_different_word"] == {"count": 1, "of": 6}
