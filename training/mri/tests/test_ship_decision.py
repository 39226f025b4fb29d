"""The ship rule (mri/ship_decision.py) and the card written from its metrics (model_card.write_card_dr)."""
import json

import pytest

from mri import model_card, ship_decision


def _s(mean):
    return {"mean": mean, "sd": 0.01, "n": 4, "nUndefined": 0}


def _phantom(d):
    r = {"cases": [], "meanDice": d, "efAbsErrorPct": _s(2.0), "edvAbsErrorMl": _s(3.0), "edvRelErrorPct": _s(4.0),
         "esvRelErrorPct": _s(6.0), "lvVolRelErrorPct": _s(5.0), "lvMassAbsErrorG": _s(4.0)}
    for c in ("RV", "MYO", "LV"):
        r[f"dice{c}"], r[f"hd95{c}"] = _s(d), _s(3.0)
    return r


def _sb(d):
    return {"lvDice": _s(d), "lvDicePatients1to7": _s(d), "lvDicePatients8to10": _s(d - 0.1),
            "lvDicePerPatient": {"01 A": _s(d)}, "lvDiceMedian": d, "fractionAbove0.8": 0.5}


def compare(ind_new, sb_new):
    m = {"models": {k: {"params": 1, "checkpoint": f"{k}.pt"} for k in ("v1", "dr", "dr_ft")}}
    for key in ("heldoutPhantoms", "independentPhantoms"):
        m[key] = {"seeds": [1, 2], "frames": "ED and ES", "v1": _phantom(0.88), "dr": _phantom(0.86), "dr_ft": _phantom(ind_new)}
    m["sunnybrook"] = {"assumedSpacingMm": 1.37, "slices": 4, "v1": _sb(0.85), "dr": _sb(0.8), "dr_ft": _sb(sb_new)}
    return m


@pytest.mark.parametrize("ind_new, sb_new, ship", [(0.90, 0.84, True), (0.90, 0.82, False), (0.87, 0.90, False)])
def test_rule(ind_new, sb_new, ship):
    d = ship_decision.decide(compare(ind_new, sb_new))
    assert d["ship"] is ship and d["shipped"] == ("dr_ft" if ship else "v1")
    out = ship_decision.renamed(compare(ind_new, sb_new), ship)
    shipped = out["independentPhantoms"]["dfnet_ft"]["meanDice"]
    assert shipped == (ind_new if ship else 0.88)
    assert set(out["models"]) == ({"dfnet_ft", "dfnet_dr", "dfnet_ft_v1"} if ship else {"dfnet_ft", "dfnet_dr", "dfnet_dr_ft"})
    assert out["heldoutPhantoms"]["seeds"] == [1, 2]


@pytest.mark.parametrize("ship", [True, False])
def test_card_from_the_comparison(tmp_path, monkeypatch, ship):
    m = compare(0.90, 0.84 if ship else 0.7)
    d = ship_decision.decide(m)
    out = ship_decision.renamed(m, d["ship"])
    out["decision"] = d
    (tmp_path / "metrics.json").write_text(json.dumps(out))
    monkeypatch.setattr(model_card, "RESULTS", tmp_path)
    monkeypatch.setattr(model_card, "update_readme", lambda *a: None)
    facts = {"params": 1, "bytes": 2, "sha256": "0" * 64, "opset": 17, "parityMaxAbsDiff": 0.0, "parityTolerance": 1e-3}
    model_card.write_card(tmp_path / "MODEL_CARD.md", facts)
    card = (tmp_path / "MODEL_CARD.md").read_text()
    assert "Demo, not for clinical use" in card and "Independent generator" in card and "Domain randomisation" in card
    assert ("replaced v1" in card) is ship and ("v1 stays shipped" in card) is (not ship)
    assert "0.900" in card and "patients 8–10" in card
