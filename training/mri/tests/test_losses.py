import numpy as np
import torch

from mri.direction_field import direction_field
from mri.losses import df_loss, dfnet_loss


def batch():
    lab = np.zeros((2, 32, 32), np.int64)
    lab[:, 8:20, 8:20] = 3
    lab[1, 20:26, 8:20] = 1
    df = np.stack([direction_field(l) for l in lab])
    return torch.from_numpy(lab), torch.from_numpy(df)


def test_df_loss_zero_at_truth_and_positive_elsewhere():
    lab, gt = batch()
    assert float(df_loss(gt, gt, lab)) < 1e-4
    assert float(df_loss(-gt, gt, lab)) > 1.0
    assert float(df_loss(torch.zeros_like(gt), gt, lab)) > 0.5


def test_background_hard_negatives_dominate():
    lab, gt = batch()
    pred = gt.clone()
    pred[:, :, 0, 0] = 3.0                 # one large background error among many zeros
    loss = float(df_loss(pred, gt, lab))
    n_fg = int((lab > 0).sum())
    n_classes = 2 + 1                      # RV, LV present, + background term
    expect_bg = 2 * 18.0 / (3 * n_fg)      # two images, |(3,3)|^2 = 18, averaged over the 3 x n_fg kept
    assert abs(loss - expect_bg / n_classes) < 1e-3


def test_total_loss_weights():
    lab, gt = batch()
    logits = torch.zeros(2, 4, 32, 32)
    total, parts = dfnet_loss((logits, gt, logits), lab, gt)
    assert abs(parts["total"] - (parts["seg"] + parts["df"] + 0.1 * parts["aux"])) < 1e-5
    total_u, parts_u = dfnet_loss((logits, None, None), lab, None)
    assert set(parts_u) == {"seg", "total"}


def test_the_sunnybrook_loss_of_the_plain_unet_is_its_lv_term_only():
    """The ablation's U-Net has no direction field or auxiliary head: fine-tuning uses the LV cross-entropy alone."""
    import torch

    from mri.dfnet import build
    from mri.finetune import partial_lv_loss

    torch.manual_seed(0)
    x = torch.randn(2, 1, 32, 32)
    mask = torch.zeros(2, 32, 32, dtype=torch.long)
    mask[:, 10:20, 10:20] = 3
    loss, parts = partial_lv_loss(build("unet")(x), mask, torch.zeros(2, 2, 32, 32))
    assert parts["sbDf"] == 0.0 and abs(float(loss) - parts["sbSeg"]) < 1e-6
    loss.backward()


def test_a_dfnet_checkpoint_starts_the_unet_with_its_backbone_and_auxiliary_head():
    import torch

    from mri.dfnet import build, unet_from_dfnet

    d = build("dfnet").eval()
    u = build("unet").eval()
    u.load_state_dict(unet_from_dfnet(d.state_dict()))
    x = torch.randn(1, 1, 32, 32)
    with torch.no_grad():
        assert torch.allclose(u(x)[0], d(x)[2], atol=1e-6)      # the U-Net's logits are the DF-Net's auxiliary logits
