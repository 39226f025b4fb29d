"""Real data checks; skipped when ../shared/data/sunnybrook is absent (it is never part of the repository)."""
import numpy as np
import pytest

from mri import sunnybrook
from mri.preprocess import resample_to_model_grid

pytestmark = pytest.mark.skipif(not sunnybrook.available(), reason="Sunnybrook data absent")


def test_loads_ten_patients_with_masks():
    data = sunnybrook.load()
    assert len({d["patient"] for d in data}) == 10
    assert {d["index"] for d in data} == set(range(1, 11))
    assert all(d["image"].shape == (256, 256) and d["mask"].any() for d in data)


def test_lv_fits_the_contract_crop():
    # the LV masks must survive the 1.5 mm / 128 px centre crop (192 mm field of view)
    for d in sunnybrook.load()[::7]:
        m = resample_to_model_grid(d["mask"].astype(np.float32), (sunnybrook.ASSUMED_SPACING_MM,) * 2, order=0)
        assert m.sum() > 0.9 * d["mask"].sum() * (1.37 / 1.5) ** 2
