"""The contract preprocessing mirrors src/tasks/ct/core/preprocess.ts."""
import numpy as np
import torch

from ct.preprocess import mask_to_input, normalise_hu, sample_slice_indices, slice_stride, to_model_input


def test_stride_by_depth():
    assert [slice_stride(d) for d in (16, 80, 81, 160, 161, 400)] == [1, 1, 2, 2, 5, 5]


def test_sampling_positions():
    assert sample_slice_indices(40) == list(range(12, 28))
    assert sample_slice_indices(100, 0, 3) == list(range(0, 32, 2))
    assert sample_slice_indices(100, 1, 3) == list(range(34, 66, 2))
    assert sample_slice_indices(100, 2, 3) == list(range(68, 100, 2))
    assert sample_slice_indices(19, 1, 3) == list(range(2, 18))          # free 3: JS Math.round(1.5) = 2
    assert sample_slice_indices(10) == list(range(10))                  # short volume: all slices
    assert sample_slice_indices(201)[-1] <= 200


def test_normalisation_and_resize():
    assert np.isclose(normalise_hu(-604.23), 0) and np.isclose(normalise_hu(-5000), (-1200 + 604.23) / 489.42)
    hu = np.full((40, 64, 64), -1000, np.float32)
    hu[:, 16:48, 16:48] = 40
    x = to_model_input(hu, sample_slice_indices(40))
    assert x.shape == (16, 128, 128) and x.dtype == np.float32
    assert np.isclose(x[0, 64, 64], normalise_hu(40)) and np.isclose(x[0, 0, 0], normalise_hu(-1000))
    m = mask_to_input((hu > 0).astype(np.uint8), sample_slice_indices(40))
    assert m.shape == (16, 128, 128) and m[0, 64, 64] == 1 and m[0, 0, 0] == 0


def test_downsampling_by_two_is_average_pooling():
    x = torch.randn(1, 1, 4, 8, 8)
    a = torch.nn.functional.interpolate(x, size=(4, 4, 4), mode="trilinear", align_corners=False)
    b = torch.nn.functional.avg_pool3d(x, (1, 2, 2))
    assert torch.allclose(a, b, atol=1e-6)
