"""Paillier: primality, round trip, additive homomorphism, exact packed fixed-point sums."""
import random

import numpy as np
import pytest

from ct import paillier as P


def test_miller_rabin():
    primes = [2, 3, 5, 97, 7919, 2 ** 61 - 1, 2 ** 89 - 1, 170141183460469231731687303715884105727]
    composites = [1, 4, 561, 41041, 825265, 321197185, 2 ** 61 + 1, (2 ** 31 - 1) * (2 ** 61 - 1)]
    rng = random.Random(0)
    assert all(P.is_probable_prime(p, rng=rng) for p in primes)
    assert not any(P.is_probable_prime(c, rng=rng) for c in composites)   # 561, 41041, ... are Carmichael numbers


def test_keygen_sizes_and_determinism():
    pk, sk = P.keygen(128, seed=1)
    assert pk.bits == 128 and sk.p * sk.q == pk.n
    assert P.is_probable_prime(sk.p) and P.is_probable_prime(sk.q)
    assert P.keygen(128, seed=1)[0].n == pk.n


def test_round_trip_and_homomorphic_addition():
    pk, sk = P.keygen(128, seed=2)
    rng = random.Random(3)
    ms = [rng.randrange(pk.n // 8) for _ in range(6)]
    cs = [P.encrypt(pk, m, rng) for m in ms]
    assert [P.decrypt(sk, c) for c in cs] == ms
    assert P.encrypt(pk, 5, rng) != P.encrypt(pk, 5, rng)               # randomised
    total = cs[0]
    for c in cs[1:]:
        total = P.add(pk, total, c)
    assert P.decrypt(sk, total) == sum(ms) % pk.n
    with pytest.raises(ValueError):
        P.encrypt(pk, pk.n)


def test_encrypted_sum_equals_plain_fixed_point_sum_exactly():
    pk, sk = P.keygen(128, seed=4)
    enc = P.Encoding()
    rng = np.random.default_rng(0)
    vectors = [rng.normal(0, 3, 37) for _ in range(3)]
    vectors[1][0] = -30000.0                                             # near the range limit
    weights = [48, 40, 32]
    cts = [P.encrypt_vector(pk, v, w, enc, random.Random(i)) for i, (v, w) in enumerate(zip(vectors, weights))]
    assert len(cts[0]) == -(-37 // enc.slots(pk))
    dec = P.decrypt_sum(sk, pk, P.sum_ciphertexts(pk, cts), 37, sum(weights), enc)
    plain = [sum(w * q for w, q in zip(weights, qs)) for qs in zip(*(P.encode_ints(v, enc) for v in vectors))]
    assert dec == plain                                                  # exact, in fixed point
    mean, facts = P.secure_weighted_mean(pk, sk, vectors, weights, enc, random.Random(9))
    ref = sum(w * v for w, v in zip(weights, vectors)) / sum(weights)
    assert np.abs(mean - ref).max() <= 2 ** -(enc.frac_bits)
    assert facts["valuesPerCiphertext"] == enc.slots(pk)


def test_out_of_range_values_are_refused():
    with pytest.raises(ValueError):
        P.encode_ints(np.array([1e6]), P.Encoding())
