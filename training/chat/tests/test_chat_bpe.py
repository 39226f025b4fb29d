import json

from chat.bpe import SPECIAL_TOKENS, ByteLevelBPE, bytes_to_unicode, pretokenize, split_special, train_bpe


def test_byte_map_is_a_bijection_with_gpt2_landmarks():
    m = bytes_to_unicode()
    assert len(set(m.values())) == 256
    assert m[ord(" ")] == "Ġ" and m[ord("\n")] == "Ċ" and m[ord("a")] == "a"


def test_pretokenize_matches_gpt2_regex():
    # Splits checked by hand against 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    assert pretokenize("Hello  world's 12ab, x\n\n  y  ") == ["Hello", " ", " world", "'s", " 12", "ab", ",", " x", "\n\n ", " y", "  "]
    assert pretokenize("I'll go!!") == ["I", "'ll", " go", "!!"]
    assert pretokenize("café 日本語 🙂🙂") == ["café", " 日本語", " 🙂🙂"]
    assert pretokenize(" ") == [" "]
    assert pretokenize("a\n") == ["a", "\n"]


def test_split_special():
    assert split_special("<|user|>\nhi<|end|>", SPECIAL_TOKENS) == [("<|user|>", True), ("\nhi", False), ("<|end|>", True)]


def test_train_encode_decode_round_trip():
    texts = ["the cat sat on the mat", "the hat is on the cat", "that is that"] * 5
    bpe = train_bpe(texts, 20)
    assert bpe.merges[0] == ("a", "t")  # 7 per copy (cat sat mat hat cat that that) beats "t h" (6)
    assert len(bpe.merges) <= 20 and bpe.vocab_size == len(SPECIAL_TOKENS) + 256 + len(bpe.merges)
    assert train_bpe(texts, 20).merges == bpe.merges  # deterministic
    for s in ["the cat", "<|user|>\nWhat's that? déjà vu 日本 🙂<|end|>", "  spaced  out  "]:
        assert bpe.decode(bpe.encode(s)) == s
    ids = bpe.encode("<|user|>the cat")
    assert ids[0] == SPECIAL_TOKENS.index("<|user|>") and len(ids) < 1 + len("the cat")
    assert bpe.decode(ids, skip_special=True) == "the cat"


def test_tokenizer_json_round_trip(tmp_path):
    bpe = train_bpe(["one two three two one"] * 3, 10)
    bpe.save(tmp_path / "tokenizer.json")
    j = json.loads((tmp_path / "tokenizer.json").read_text())
    assert j["model"]["type"] == "BPE" and j["pre_tokenizer"]["type"] == "ByteLevel" and j["decoder"]["type"] == "ByteLevel"
    assert [t["content"] for t in j["added_tokens"]] == SPECIAL_TOKENS and all(t["special"] for t in j["added_tokens"])
    back = ByteLevelBPE.load(tmp_path / "tokenizer.json")
    assert back.vocab == bpe.vocab and back.encode("two one") == bpe.encode("two one")
