"""Decide whether the domain-randomised model replaces the shipped one, and write results/metrics.json (CLI).

    /usr/bin/python3 -m mri.ship_decision --compare mri/results/dr/compare.json

Input: an evaluate.py result with the models `v1` (the shipped model, rebuilt from its model.onnx), `dr` (domain-
randomised training, before fine-tuning) and `dr_ft` (after the Sunnybrook LV fine-tuning), all on the same
held-out phantoms, independent phantoms and Sunnybrook slices.

Rule: ship `dr_ft` only if its mean Dice (RV, MYO, LV) on the independent generator is higher than `v1`'s AND its
Sunnybrook LV Dice is not lower by more than 0.02, both over all slices and over the held-out patients 8-10.

Output: results/ship_decision.json (the rule, the numbers, the verdict, and the done-when target of the shipped
model: independent mean Dice >= 0.85 and LV volume error <= 10 %) and results/metrics.json with the models renamed so
that `dfnet_ft` is always the shipped model (what tests/e2e/mri.test.mjs reads): shipping -> dfnet_ft (= dr_ft),
dfnet_dr, dfnet_ft_v1; not shipping -> dfnet_ft (= v1), dfnet_dr_ft, dfnet_dr. Exit code 0 either way; the verdict is
printed as SHIP or KEEP.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUNNYBROOK_TOLERANCE = 0.02
TARGET_DICE, TARGET_VOL_PCT = 0.85, 10.0


def decide(m: dict) -> dict:
    ind, sb = m["independentPhantoms"], m.get("sunnybrook", {})
    new, old = ind["dr_ft"]["meanDice"], ind["v1"]["meanDice"]
    checks = {"independentMeanDice": {"v1": old, "dr_ft": new, "pass": new > old}}
    if "v1" in sb:
        for key in ("lvDice", "lvDicePatients8to10"):
            a, b = sb["v1"][key]["mean"], sb["dr_ft"][key]["mean"]
            checks[f"sunnybrook.{key}"] = {"v1": a, "dr_ft": b, "pass": b >= a - SUNNYBROOK_TOLERANCE}
    ship = all(c["pass"] for c in checks.values())
    shipped = "dr_ft" if ship else "v1"
    r = ind[shipped]
    target = {"independentMeanDice": r["meanDice"], "lvVolRelErrorPct": r["lvVolRelErrorPct"]["mean"],
              "met": r["meanDice"] >= TARGET_DICE and r["lvVolRelErrorPct"]["mean"] <= TARGET_VOL_PCT,
              "rule": f"independent mean Dice >= {TARGET_DICE} and mean LV volume error (ED and ES) <= {TARGET_VOL_PCT} %"}
    return {"ship": ship, "shipped": shipped, "checks": checks, "target": target,
            "rule": f"ship dr_ft iff independent mean Dice > v1's and Sunnybrook LV Dice (all slices and patients 8-10) "
                    f">= v1's - {SUNNYBROOK_TOLERANCE}"}


def renamed(m: dict, ship: bool) -> dict:
    names = ({"dr_ft": "dfnet_ft", "dr": "dfnet_dr", "v1": "dfnet_ft_v1"} if ship
             else {"v1": "dfnet_ft", "dr_ft": "dfnet_dr_ft", "dr": "dfnet_dr"})
    out = {}
    for k, v in m.items():
        if isinstance(v, dict) and any(n in v for n in names):
            out[k] = {names.get(n, n): x for n, x in v.items()}
        else:
            out[k] = v
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--compare", type=Path, required=True)
    ap.add_argument("--metrics", type=Path, default=HERE / "results" / "metrics.json")
    ap.add_argument("--decision", type=Path, default=HERE / "results" / "ship_decision.json")
    args = ap.parse_args(argv)
    m = json.loads(args.compare.read_text())
    d = decide(m)
    out = renamed(m, d["ship"])
    out["shipped"] = "dfnet_ft"
    out["decision"] = d
    args.metrics.write_text(json.dumps(out, indent=1))
    args.decision.write_text(json.dumps(d, indent=1) + "\n")
    print(json.dumps(d, indent=1))
    print("SHIP" if d["ship"] else "KEEP")


if __name__ == "__main__":
    main()
