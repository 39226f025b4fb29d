"""Weighted FedAvg of state_dicts, in the clear or through Paillier (the server only multiplies ciphertexts).

FedAvg (McMahan et al. 2017) as UCADI uses it: w = sum_k n_k w_k / sum_k n_k with n_k the client's number of
training cases. Every floating-point tensor is averaged, BatchNorm running statistics included; integer buffers
(BatchNorm `num_batches_tracked`) take the maximum over clients.
"""
from __future__ import annotations

import random
import time
from collections import OrderedDict

import numpy as np
import torch

from . import paillier


def fedavg(states: list[dict], weights: list[float]) -> OrderedDict:
    if not states or len(states) != len(weights):
        raise ValueError("need one weight per state")
    w = torch.tensor(weights, dtype=torch.float64)
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be non-negative with a positive sum")
    w = w / w.sum()
    out = OrderedDict()
    for key in states[0]:
        ts = [s[key] for s in states]
        if ts[0].is_floating_point():
            acc = sum(wk * t.to(torch.float64) for wk, t in zip(w, ts))
            out[key] = acc.to(ts[0].dtype)
        else:
            out[key] = torch.stack(ts).max(0).values
    return out


def flatten_floats(state: dict) -> tuple[np.ndarray, list]:
    keys = [(k, tuple(t.shape)) for k, t in state.items() if t.is_floating_point()]
    vec = np.concatenate([state[k].detach().cpu().double().numpy().ravel() for k, _ in keys])
    return vec, keys


def unflatten_floats(vec: np.ndarray, keys: list, like: dict) -> OrderedDict:
    out = OrderedDict()
    i = 0
    floats = dict(keys)
    for k, t in like.items():
        if k in floats:
            n = int(np.prod(floats[k])) if floats[k] else 1
            out[k] = torch.from_numpy(vec[i:i + n].reshape(floats[k])).to(t.dtype)
            i += n
        else:
            out[k] = t
    return out


def secure_fedavg(states: list[dict], weights: list[int], key_bits: int = 256, seed: int | None = None,
                  enc: paillier.Encoding = paillier.Encoding()) -> tuple[OrderedDict, dict]:
    """FedAvg through Paillier: integer client weights (data sizes); returns (state, facts)."""
    if any(int(w) != w or w < 0 for w in weights):
        raise ValueError("secure FedAvg needs non-negative integer weights (data sizes)")
    t0 = time.time()
    pk, sk = paillier.keygen(key_bits, seed=seed)
    rng = random.Random(seed) if seed is not None else None
    vecs, keys = zip(*(flatten_floats(s) for s in states))
    mean, facts = paillier.secure_weighted_mean(pk, sk, list(vecs), [int(w) for w in weights], enc, rng)
    state = unflatten_floats(mean, keys[0], states[0])
    for k, t in states[0].items():        # integer buffers: max, as in plain FedAvg
        if not t.is_floating_point():
            state[k] = torch.stack([s[k] for s in states]).max(0).values
    facts.update({"seconds": round(time.time() - t0, 1), "values": int(len(mean)),
                  "plainBytes": int(len(mean)) * 4})
    return state, facts
