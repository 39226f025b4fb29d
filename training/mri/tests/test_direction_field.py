"""Ground-truth DF on hand-made masks. Layout: [2, H, W], channel 0 = x (columns, right), 1 = y (rows, down)."""
import numpy as np

from mri.direction_field import direction_field


def square(n=11, lo=3, hi=8, value=3):
    lab = np.zeros((n, n), np.uint8)
    lab[lo:hi, lo:hi] = value
    return lab


def test_square_edges_point_inward():
    df = direction_field(square())
    # left column (x = 3) points right (+x), right column (x = 7) left, top row (y = 3) down (+y), bottom up
    np.testing.assert_allclose(df[:, 5, 3], [1, 0], atol=1e-6)
    np.testing.assert_allclose(df[:, 5, 7], [-1, 0], atol=1e-6)
    np.testing.assert_allclose(df[:, 3, 5], [0, 1], atol=1e-6)
    np.testing.assert_allclose(df[:, 7, 5], [0, -1], atol=1e-6)


def test_background_zero_and_foreground_unit():
    lab = square()
    df = direction_field(lab)
    assert np.all(df[:, lab == 0] == 0)
    norms = np.linalg.norm(df[:, lab > 0], axis=0)
    np.testing.assert_allclose(norms, 1, atol=1e-6)


def test_corner_points_diagonally_or_axis_aligned_inward():
    df = direction_field(square())
    # the top-left corner pixel's nearest outside pixel is its left or top neighbour: the vector has no
    # component pointing outward
    assert df[0, 3, 3] >= 0 and df[1, 3, 3] >= 0


def test_each_class_uses_its_own_boundary():
    lab = np.zeros((21, 21), np.uint8)
    yy, xx = np.mgrid[:21, :21]
    r = np.hypot(yy - 10, xx - 10)
    lab[r <= 8] = 2            # MYO ring
    lab[r <= 4] = 3            # LV cavity inside
    df = direction_field(lab)
    # LV pixel at the cavity's left edge points right (toward the LV centre), even though the neighbour
    # outside is MYO, not background
    np.testing.assert_allclose(df[:, 10, 6], [1, 0], atol=1e-6)
    # MYO pixel just outside the cavity on the left is nearest to the LV boundary: points left (away from it)
    np.testing.assert_allclose(df[:, 10, 5], [-1, 0], atol=1e-6)
    # MYO pixel at the outer left edge points right
    np.testing.assert_allclose(df[:, 10, 2], [1, 0], atol=1e-6)
