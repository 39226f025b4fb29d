"""The card writer reproduces the shipped CT card from the committed results (ct/results/fedavg.json, export.json,
shipped_on_new_generators.json, experiments/), so a change to the card code that changes the text shows here
(rebuild it with `/usr/bin/python3 -m ct.model_card`)."""
import json
from pathlib import Path

from ct import model_card

REPO = Path(__file__).resolve().parents[3]
RESULTS = REPO / "training/ct/results"


def test_card_matches_the_committed_one(tmp_path):
    facts = json.loads((RESULTS / "export.json").read_text())
    model_card.write_card(tmp_path / "MODEL_CARD.md", facts, json.loads((RESULTS / "fedavg.json").read_text()))
    assert (tmp_path / "MODEL_CARD.md").read_text() == (REPO / "public/models/ct/ucadi-densenet/MODEL_CARD.md").read_text()


def test_card_without_results(tmp_path):
    model_card.write_card(tmp_path / "MODEL_CARD.md", json.loads((RESULTS / "export.json").read_text()), {})
    card = (tmp_path / "MODEL_CARD.md").read_text()
    assert "_No training results were given to the exporter._" in card and "n/a rounds" in card
