"""The card sections that depend only on committed files (chat/results/, the shipped folder) reproduce the shipped
card's text, so a change to the card code that changes the text shows here (test_ship.py covers the rest)."""
import argparse
import json
from pathlib import Path

from chat import card
from chat.bpe import ByteLevelBPE
from chat.ship import CPU_NOTE
from common.card import read_json

REPO = Path(__file__).resolve().parents[3]
SHIPPED = REPO / "public/models/chat/wordnet-dssn"
RESULTS = REPO / "training/chat/results"


def test_sections_match_the_shipped_card():
    text = (SHIPPED / "MODEL_CARD.md").read_text()
    a = argparse.Namespace(out=SHIPPED, results=RESULTS)
    link = lambda name: card.result_link(a, name)  # noqa: E731
    layers = json.loads((SHIPPED / "config.json").read_text())["num_hidden_layers"]
    sections = {
        "tokenizer": card.sec_tokenizer(ByteLevelBPE.load(SHIPPED / "tokenizer.json")),
        "training": card.sec_training(read_json(RESULTS / "log.json"), {}, CPU_NOTE, link),
        "stability": card.sec_stability(read_json(RESULTS / "stability.json"), (RESULTS / "stability.md").read_text(), True,
                                        layers, link),
        "export check": card.sec_parity(read_json(RESULTS / "ship.json")["parity"], read_json(SHIPPED / "reference.json")),
        "grounding": card.sec_grounding(read_json(RESULTS / "grounding.json"), link),
    }
    for name, sec in sections.items():
        assert sec in text, name
