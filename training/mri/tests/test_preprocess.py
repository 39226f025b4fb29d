import numpy as np

from mri.preprocess import from_model_grid, resample_to_model_grid, to_model_input


def test_identity_at_contract_spacing():
    x = np.random.default_rng(0).random((128, 128)).astype(np.float32)
    np.testing.assert_allclose(resample_to_model_grid(x, (1.5, 1.5)), x, atol=1e-5)


def test_centre_alignment_and_zero_padding():
    x = np.zeros((64, 64), np.float32)
    x[31:33, 31:33] = 1                               # the centre 2x2 block
    y = resample_to_model_grid(x, (1.5, 1.5))
    assert y[63:65, 63:65].min() == 1 and y.sum() == 4
    assert y[:10].max() == 0                          # padding


def test_zscore():
    x = to_model_input(np.random.default_rng(1).random((200, 180)) * 500, (1.3, 1.3))
    assert x.shape == (128, 128)
    assert abs(float(x.mean())) < 1e-4 and abs(float(x.std()) - 1) < 1e-3
    flat = to_model_input(np.zeros((100, 100)), (1.5, 1.5))
    assert np.all(np.isfinite(flat))


def test_back_projection_roundtrip():
    lab = np.zeros((180, 200), np.uint8)
    lab[70:110, 80:130] = 3
    sp = (1.25, 1.25)
    onehot = np.stack([resample_to_model_grid((lab == c).astype(np.float32), sp) for c in range(4)])
    back = from_model_grid(onehot, lab.shape, sp).argmax(0)
    assert ((back == 3) == (lab == 3)).mean() > 0.99
