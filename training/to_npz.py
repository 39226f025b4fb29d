"""A PyTorch checkpoint -> .npz (float tensors as numpy, everything else JSON in `__meta__`), and back.

Checkpoints made by a newer PyTorch on a lent GPU machine come home as .npz, which any numpy reads, then
`from_npz` rebuilds the {"state_dict": ..., **meta} dict that this project's scripts load with torch.load.

    python3 to_npz.py [--half] ckpt.pt ckpt.npz     # on the GPU machine (--half: float tensors stored as float16)
    /usr/bin/python3 to_npz.py --back ckpt.npz ckpt.pt
"""
from __future__ import annotations

import json
import sys

import numpy as np
import torch


def to_npz(src: str, dst: str, half: bool = False) -> None:
    ck = torch.load(src, map_location="cpu")
    sd = ck["state_dict"] if isinstance(ck, dict) and "state_dict" in ck else ck
    meta = {k: v for k, v in ck.items() if k != "state_dict"} if sd is not ck else {}
    arrays = {f"sd/{k}": (v.half() if half and v.is_floating_point() else v).detach().cpu().numpy() for k, v in sd.items()}
    np.savez(dst, __meta__=np.frombuffer(json.dumps(meta, default=str).encode(), np.uint8), **arrays)


def from_npz(src: str) -> dict:
    d = np.load(src)
    meta = json.loads(bytes(d["__meta__"]).decode())
    sd = {k[3:]: torch.from_numpy(d[k].astype(np.float32) if d[k].dtype == np.float16 else d[k].copy())
          for k in d.files if k.startswith("sd/")}
    return {"state_dict": sd, **meta}


if __name__ == "__main__":
    if sys.argv[1] == "--back":
        torch.save(from_npz(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "--half":
        to_npz(sys.argv[2], sys.argv[3], half=True)
    else:
        to_npz(sys.argv[1], sys.argv[2])
