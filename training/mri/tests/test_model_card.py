"""The card writer reproduces the shipped DF-Net card and training/README.md's results block from the committed
result files (mri/results/), so a change to the card code that changes the text shows here."""
import json
import shutil
from pathlib import Path

from mri import model_card

REPO = Path(__file__).resolve().parents[3]


def test_card_and_readme_block_match_the_committed_ones(tmp_path, monkeypatch):
    shipped = REPO / "public/models/mri/dfnet"
    shutil.copyfile(shipped / "manifest.json", tmp_path / "manifest.json")   # the card's title comes from it
    readme = tmp_path / "README.md"
    shutil.copyfile(REPO / "training/README.md", readme)
    update = model_card.update_readme
    monkeypatch.setattr(model_card, "update_readme", lambda *a: update(*a, readme=readme))
    model_card.write_card(tmp_path / "MODEL_CARD.md", json.loads((model_card.RESULTS / "export.json").read_text()))
    assert (tmp_path / "MODEL_CARD.md").read_text() == (shipped / "MODEL_CARD.md").read_text()
    assert readme.read_text() == (REPO / "training/README.md").read_text()


def test_card_without_results_says_not_evaluated(tmp_path, monkeypatch):
    monkeypatch.setattr(model_card, "RESULTS", tmp_path)
    monkeypatch.setattr(model_card, "update_readme", lambda *a: None)
    facts = {"params": 1, "bytes": 2, "sha256": "0" * 64, "opset": 17, "parityMaxAbsDiff": 0.0, "parityTolerance": 1e-3}
    model_card.write_card(tmp_path / "MODEL_CARD.md", facts)
    card = (tmp_path / "MODEL_CARD.md").read_text()
    assert "(not evaluated)" in card and "(Sunnybrook data absent when evaluated)" in card
