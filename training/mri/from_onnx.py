"""Rebuild a PyTorch DF-Net checkpoint from a shipped model.onnx (CLI), so that the shipped model can be evaluated in
lock-step with a new one and used as the starting point of further training when its .pt is not kept.

    /usr/bin/python3 -m mri.from_onnx --onnx ../public/models/mri/dfnet/model.onnx --out mri/runs/shipped_v1.pt

The export folded every BatchNorm into the convolution before it (conv weight W' and bias b'). In eval mode the
rebuilt model is exact: conv weight = W', BN(y) = y + b'. For training (batch statistics) the BN parameters are then
re-calibrated without changing the eval function: per channel, mean mu and variance v of W'x over a few phantom
slices give running_mean = mu, running_var = v, gamma = sqrt(v + eps), beta = b' + mu, so that
(y - mu) / sqrt(v + eps) * gamma + beta = y + b' in eval mode and the batch-normalised training function starts
close to it. The auxiliary head (not exported) is re-initialised. `--check` runs the PyTorch-vs-onnxruntime-web
parity check of export.py on the rebuilt model.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import torch

from common.onnx_weights import folded_convs, named_weights, pass_through_bn, read_graph

from .dfnet import build

HERE = Path(__file__).resolve().parent


def _conv_bn_pairs(model):
    """(conv, bn) in forward order: encoder blocks, decoder blocks, the FRF fusion."""
    pairs = []
    bb = model.backbone
    for block in list(bb.enc) + list(bb.dec):
        pairs += [(block[0], block[1]), (block[3], block[4])]
    pairs.append((model.fuse[0], model.fuse[1]))
    return pairs


def load_onnx_weights(onnx_path: Path, base: int = 16):
    """DF-Net in eval mode whose output equals the ONNX model's (BN as identity + bias)."""
    graph, inits = read_graph(onnx_path)
    model = build("dfnet", base)
    sd = model.state_dict()
    for k, v in named_weights(inits).items():
        assert k in sd and tuple(sd[k].shape) == v.shape, k
        sd[k] = torch.from_numpy(v)
    folded = folded_convs(graph, inits)
    pairs = _conv_bn_pairs(model)
    assert len(folded) == len(pairs), (len(folded), len(pairs))
    prefix = {id(mod): name for name, mod in model.named_modules()}
    for (w, b), (conv, bn) in zip(folded, pairs):
        cn, bnn = prefix[id(conv)], prefix[id(bn)]
        assert tuple(sd[f"{cn}.weight"].shape) == w.shape, (cn, w.shape)
        sd[f"{cn}.weight"] = torch.from_numpy(w)
        for k, v in pass_through_bn(w.shape[0], bn.eps, b).items():
            sd[f"{bnn}.{k}"] = torch.from_numpy(v)
    model.load_state_dict(sd)
    return model.eval()


@torch.no_grad()
def recalibrate_bn(model, x: torch.Tensor):
    """Set each BN's running stats / affine from the statistics of its input on x, keeping the eval function."""
    stats = {}
    hooks = []
    for _, bn in _conv_bn_pairs(model):
        def hook(mod, inp, out, bn=bn):
            y = inp[0].double()
            stats[id(bn)] = (y.mean((0, 2, 3)), y.var((0, 2, 3), unbiased=False))
        hooks.append(bn.register_forward_hook(hook))
    model.eval()
    model(x)
    for h in hooks:
        h.remove()
    for _, bn in _conv_bn_pairs(model):
        mu, v = stats[id(bn)]
        b = bn.bias.double().clone()
        bn.running_mean.copy_(mu.float())
        bn.running_var.copy_(v.float())
        bn.weight.copy_(torch.sqrt(v + bn.eps).float())
        bn.bias.copy_((b + mu).float())
    return model


def calibration_batch(n: int = 24):
    from .phantom import make_subject, render_slice   # training seeds 880_000.. (never evaluated)
    from .preprocess import to_model_input

    xs = []
    for seed in range(880_000, 880_000 + n // 3):
        s = make_subject(seed)
        for k in (1, s.n_slices // 2, s.n_slices - 2):
            img, _ = render_slice(s, k, 0)
            xs.append(to_model_input(img, (s.spacing, s.spacing)))
    return torch.from_numpy(np.stack(xs)[:, None].astype(np.float32))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--onnx", type=Path, default=HERE.parents[1] / "public/models/mri/dfnet/model.onnx")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--check", action="store_true", help="parity of the rebuilt model against the ONNX in onnxruntime-web")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = load_onnx_weights(args.onnx)
    x = calibration_batch()
    before = model(x)[0]
    recalibrate_bn(model, x)
    after = model(x)[0]
    drift = float((before - after).abs().max())
    print(json.dumps({"recalibrationMaxAbsDiff": drift}))
    assert drift < 1e-3, drift
    if args.check:
        from common.export import run_node_parity, write_parity_files

        from .export import parity_inputs

        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            (tmp / "model.onnx").write_bytes(args.onnx.read_bytes())
            write_parity_files(lambda t: model(t)[:2], parity_inputs(), tmp, "image", ("logits", "df"))
            rc, max_diff, _ = run_node_parity(tmp, 1e-3)
        if rc != 0:
            raise SystemExit(f"rebuilt model differs from {args.onnx} (max abs diff {max_diff})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()}, "arch": "dfnet",
                "base": 16, "it": None, "fromOnnx": str(args.onnx.name), "finetunedFrom": "shipped model.onnx"},
               args.out)
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
