"""ct.eval_shipped rebuilds the shipped model from the ONNX initializers (folded Conv+BN undone into identity
BatchNorms): it must reproduce the committed COVID-19 fixture's probabilities (the e2e test pins covid19 0.4293)."""
import numpy as np

from ct.check_fixture_model import classify, read_series
from ct.eval_shipped import FIXTURE_PROBS, FIXTURE_TOLERANCE, IN_PLANE, ONNX, REPO, load_onnx_model


def test_rebuilt_model_reproduces_the_covid_fixture():
    model = load_onnx_model(ONNX)
    probs, _, _ = classify(model, read_series(REPO / "tests/fixtures/ct/covid19_dicom"), in_plane=IN_PLANE)
    assert np.abs(probs - np.array(FIXTURE_PROBS["covid19"])).max() < FIXTURE_TOLERANCE
    assert abs(probs[1] - 0.4293) < 2e-4
