"""Class weighting, per-class metrics, ECE and temperature scaling of ct.federated / ct.metrics."""
import json
from pathlib import Path

import numpy as np
import pytest

from ct.federated import calibrated_state, class_weights, fit_temperature, patient_probs, uncalibrated_state
from ct.metrics import ece, per_class, summarize

RESULTS = Path(__file__).resolve().parents[1] / "results"


def test_class_weights_balance_a_skewed_site():
    w = class_weights(np.array([1] * 6 + [0] * 2 + [2] + [3]))
    counts = np.array([2, 6, 1, 1])
    assert np.allclose((w.numpy() * counts), (w.numpy() * counts)[0])   # every class carries the same total weight
    assert class_weights(np.array([0, 0, 1]))[2] == 0                     # absent class: no weight


def test_per_class_sensitivity_specificity():
    y = np.array([0, 0, 1, 1, 2, 3])
    pred = np.array([0, 1, 1, 1, 0, 3])
    pc = per_class(pred, y, 4)
    assert pc["sensitivity"] == [0.5, 1.0, 0.0, 1.0]
    assert pc["specificity"][0] == pytest.approx(3 / 4) and pc["specificity"][3] == 1.0
    assert pc["predicted"] == [2, 3, 0, 1]


def test_ece_zero_when_confidence_matches_accuracy_and_large_when_overconfident():
    y = np.array([0, 1] * 50)
    half = np.tile([[0.5, 0.5, 0, 0]], (100, 1))     # 50 % confident, 50 % right (argmax 0)
    assert ece(half, y) == pytest.approx(0.0)
    wrong = np.tile([[0.99, 0.01, 0, 0]], (100, 1))
    assert ece(wrong, y) == pytest.approx(0.49)


def test_temperature_recovers_a_known_scale():
    rng = np.random.default_rng(0)
    n = 400
    y = rng.integers(0, 4, n)
    true = rng.normal(0, 1, (n, 1, 4))
    true[np.arange(n), 0, y] += 1.5                      # calibrated logits: sample labels from them
    p = patient_probs(true)
    y = np.array([rng.choice(4, p=pi) for pi in p])
    over = true * 3.0                                    # an over-confident model: logits x 3
    t = fit_temperature(over, y)
    assert 2.0 < t < 4.5
    assert ece(patient_probs(over, t), y) < ece(patient_probs(over, 1.0), y)
    assert (patient_probs(over, t).argmax(1) == patient_probs(over).argmax(1)).all()   # argmax unchanged


def test_calibrated_state_divides_only_the_classifier():
    import torch
    from ct.densenet3d import DenseNet3D
    m = DenseNet3D()
    s = calibrated_state(m, 2.0)
    assert torch.allclose(s["classifier.weight"] * 2, m.classifier.weight.detach())
    k = next(k for k in s if k.startswith("features") and k.endswith("weight"))
    assert torch.equal(s[k], m.state_dict()[k])


def test_uncalibrated_state_undoes_the_baked_temperature():
    # what `ct.federated --init` starts from: the weights as trained, not the ones divided by T for export
    import torch
    from ct.densenet3d import DenseNet3D
    m = DenseNet3D()
    back = uncalibrated_state({"state_dict": calibrated_state(m, 0.25), "temperature": 0.25})
    for k, v in m.state_dict().items():
        assert torch.allclose(back[k].float(), v.float(), atol=1e-6), k
    assert uncalibrated_state({"state_dict": m.state_dict()})["classifier.bias"] is not None


def test_summarize_flags_a_collapsed_class():
    y = np.array([0, 1, 2, 3] * 3)
    probs = np.eye(4)[np.where(y == 2, 0, y)]            # class 2 never predicted
    s = summarize(probs, y)
    assert s["perClass"]["predicted"][2] == 0 and s["perClass"]["sensitivity"][2] == 0.0


@pytest.mark.xfail(strict=True, reason="the shipped model (old generator) never predicts viral or bacterial: "
                                       "issue 13, see the card")
def test_shipped_model_predicts_every_class():
    """A fourth-class collapse fails here: on the held-out hospital and on the internal test sets the shipped
    federated model predicts each of the four classes for some case, with sensitivity above zero. The shipped model
    collapses (known, issue 13), so this is a strict xfail: the day a model that predicts every class ships, the
    XPASS turns CI red and the marker must come off."""
    r = json.loads((RESULTS / "fedavg.json").read_text())
    final = r["federated"]["final"]["trainSize"]
    for key in (r["heldOut"], "internal"):
        conf = np.array(final[key]["confusion"])
        assert (conf.sum(0) > 0).all(), f"{key}: a class is never predicted: {conf.tolist()}"
        assert (np.diag(conf) > 0).all(), f"{key}: a class is never recognised: {conf.tolist()}"
