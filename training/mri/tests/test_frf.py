"""Feature shifting convention (grid_sample x/y order, align_corners) and FRF/DF-Net shapes."""
import torch

from mri.dfnet import DFNet, UNet, count_parameters, shift_features


def ramp(b=1, c=2, h=8, w=10):
    y, x = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    f = torch.stack([x + 100 * y + 1000 * k for k in range(c)])
    return f.expand(b, c, h, w).clone()


def const_df(dx, dy, b=1, h=8, w=10):
    df = torch.zeros(b, 2, h, w)
    df[:, 0], df[:, 1] = dx, dy
    return df


def test_shift_by_one_pixel_in_x():
    f = ramp()
    out = shift_features(f, const_df(1.0, 0.0))
    # sampled at p + (1, 0): out[y, x] = f[y, x + 1]; the last column repeats (border padding)
    torch.testing.assert_close(out[..., :, :-1], f[..., :, 1:])
    torch.testing.assert_close(out[..., :, -1], f[..., :, -1])


def test_shift_by_two_pixels_in_y():
    f = ramp()
    out = shift_features(f, const_df(0.0, 2.0))
    torch.testing.assert_close(out[..., :-2, :], f[..., 2:, :])
    torch.testing.assert_close(out[..., -1, :], f[..., -1, :])


def test_negative_and_fractional_shift_is_bilinear():
    f = ramp()
    out = shift_features(f, const_df(-0.75, -0.6))
    # f is linear in x and y, so bilinear sampling is exact away from the borders
    expect = f[..., 1:, 1:] - 0.75 - 0.6 * 100
    torch.testing.assert_close(out[..., 1:, 1:], expect, atol=1e-3, rtol=0)


def test_small_vectors_are_zeroed():
    f = ramp()
    out = shift_features(f, const_df(0.3, 0.35))   # norm 0.46 <= 0.5: no shift
    torch.testing.assert_close(out, f)


def test_shift_n_repeats():
    f = ramp()
    out = shift_features(f, const_df(1.0, 0.0), shift_n=2)
    torch.testing.assert_close(out[..., :, :-2], f[..., :, 2:])


def test_dfnet_shapes_non_square():
    m = DFNet(base=8).eval()
    x = torch.randn(2, 1, 64, 96)
    logits, df, aux = m(x)
    assert logits.shape == (2, 4, 64, 96)
    assert df.shape == (2, 2, 64, 96)
    assert aux.shape == (2, 4, 64, 96)


def test_unet_matches_dfnet_size():
    d, u = count_parameters(DFNet(16)), count_parameters(UNet(16))
    assert abs(d - u) / d < 0.05
    assert d * 4 <= 10 * 1024 * 1024          # fp32 weights <= 10 MB
