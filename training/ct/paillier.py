"""Paillier additively homomorphic encryption in pure Python ints, and packed fixed-point vectors for FedAvg.

Paillier (1999): n = p q (p, q random primes of bits/2, Miller-Rabin), g = n + 1, lambda = lcm(p-1, q-1),
mu = lambda^-1 mod n. Enc(m) = g^m r^n mod n^2 = (1 + m n) r^n mod n^2; Enc(a) Enc(b) = Enc(a + b mod n);
Dec(c) = L(c^lambda mod n^2) mu mod n with L(u) = (u - 1) / n (decryption uses the CRT over p^2, q^2).

Secure weighted FedAvg (what `federated.py --secure` does): client k holds weights w_k and its data size n_k and
sends Enc(n_k * round(w_k * 2^F) + n_k * 2^(B-1)) (an exact non-negative integer per value, B bits per
n_k-scaled value); the server multiplies ciphertexts (= adds plaintexts) and never sees a client's weights; the
key holder decrypts only the sum, subtracts N 2^(B-1) (N = sum n_k) and divides by N 2^F. The decrypted sum is
exactly the integer sum of the clients' fixed-point encodings, so the aggregate differs from float FedAvg only
by the fixed-point rounding (<= 2^-(F+1) per value).

Packing: S-bit slots (S = B + bits(N) + 1 so that no slot can carry into the next) side by side in one
plaintext < n; one ciphertext carries floor((bits(n) - 1) / S) values.

Key size: security needs n >= 2048 bits. Our CPU budget (2 cores, pure Python) cannot afford that for 730k
weights per client per round, so the training demo uses 256-bit keys and tests 128-bit keys: this shows the
protocol and its exactness, not its security. Do not reuse these keys for anything.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

_SMALL_PRIMES = [p for p in range(3, 1000, 2) if all(p % d for d in range(3, int(p ** 0.5) + 1, 2))]


def is_probable_prime(n: int, rounds: int = 40, rng: random.Random | None = None) -> bool:
    """Miller-Rabin with `rounds` random bases (error <= 4^-rounds)."""
    if n < 2:
        return False
    if n in (2, 3):
        return True
    if n % 2 == 0:
        return False
    for p in _SMALL_PRIMES:
        if n == p:
            return True
        if n % p == 0:
            return False
    rng = rng or random.SystemRandom()
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = rng.randrange(2, n - 1)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def random_prime(bits: int, rng: random.Random) -> int:
    while True:
        c = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1   # top two bits: p q has 2*bits bits
        if is_probable_prime(c, rng=rng):
            return c


@dataclass(frozen=True)
class PublicKey:
    n: int

    @property
    def n2(self) -> int:
        return self.n * self.n

    @property
    def bits(self) -> int:
        return self.n.bit_length()


@dataclass(frozen=True)
class PrivateKey:
    p: int
    q: int

    @property
    def n(self) -> int:
        return self.p * self.q


def keygen(bits: int = 256, seed: int | None = None) -> tuple[PublicKey, PrivateKey]:
    """Key pair with an n of `bits` bits. `seed` makes it deterministic (tests only)."""
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    while True:
        p = random_prime(bits // 2, rng)
        q = random_prime(bits - bits // 2, rng)
        if p != q and math.gcd(p * q, (p - 1) * (q - 1)) == 1:
            return PublicKey(p * q), PrivateKey(p, q)


def encrypt(pk: PublicKey, m: int, rng: random.Random | None = None) -> int:
    if not 0 <= m < pk.n:
        raise ValueError("plaintext out of range [0, n)")
    rng = rng or random.SystemRandom()
    n, n2 = pk.n, pk.n2
    while True:
        r = rng.randrange(1, n)
        if math.gcd(r, n) == 1:
            break
    return (1 + m * n) % n2 * pow(r, n, n2) % n2


def add(pk: PublicKey, c1: int, c2: int) -> int:
    return c1 * c2 % pk.n2


def _h(prime: int, g: int) -> int:
    x = pow(g, prime - 1, prime * prime)
    return pow((x - 1) // prime, -1, prime)


_CRT_CACHE: dict = {}


def _crt(sk: PrivateKey):
    key = (sk.p, sk.q)
    if key not in _CRT_CACHE:
        g = sk.p * sk.q + 1
        _CRT_CACHE[key] = (sk.p * sk.p, sk.q * sk.q, _h(sk.p, g), _h(sk.q, g), pow(sk.p, -1, sk.q))
    return _CRT_CACHE[key]


def decrypt(sk: PrivateKey, c: int) -> int:
    """CRT decryption (Paillier 1999, section 7)."""
    p, q = sk.p, sk.q
    p2, q2, hp, hq, pinv = _crt(sk)
    mp = (pow(c % p2, p - 1, p2) - 1) // p * hp % p
    mq = (pow(c % q2, q - 1, q2) - 1) // q * hq % q
    return mp + ((mq - mp) * pinv % q) * p


# ---------------------------------------------------------------------------------------------------------------
# packed fixed-point vectors

@dataclass(frozen=True)
class Encoding:
    frac_bits: int = 24      # F: fixed-point fraction bits
    value_bits: int = 40     # B: |round(w 2^F)| < 2^(B-1) (so |w| < 2^(B-1-F) = 32768)
    max_total: int = 1 << 16  # N: largest sum of client weights (data sizes)

    @property
    def slot_bits(self) -> int:
        return self.value_bits + self.max_total.bit_length() + 1

    def slots(self, pk: PublicKey) -> int:
        return max(1, (pk.bits - 1) // self.slot_bits)


def encode_ints(values: np.ndarray, enc: Encoding) -> list[int]:
    """float array -> exact fixed-point ints round(v 2^F) (Python ints)."""
    q = np.rint(np.asarray(values, np.float64) * (1 << enc.frac_bits))
    if np.abs(q).max(initial=0) >= 2 ** (enc.value_bits - 1):
        raise ValueError(f"value out of fixed-point range (|v| >= {2 ** (enc.value_bits - 1 - enc.frac_bits)})")
    return [int(v) for v in q]


def encrypt_vector(pk: PublicKey, values: np.ndarray, weight: int, enc: Encoding,
                   rng: random.Random | None = None) -> list[int]:
    """Client side: Enc of weight * round(v 2^F) + weight 2^(B-1), packed `enc.slots(pk)` per ciphertext."""
    ints = encode_ints(values, enc)
    off = weight << (enc.value_bits - 1)
    S, k = enc.slot_bits, enc.slots(pk)
    out = []
    for i in range(0, len(ints), k):
        m = 0
        for j, v in enumerate(ints[i:i + k]):
            m |= (weight * v + off) << (S * j)
        out.append(encrypt(pk, m, rng))
    return out


def sum_ciphertexts(pk: PublicKey, vectors: list[list[int]]) -> list[int]:
    """Server side: element-wise homomorphic sum; sees ciphertexts only."""
    total = list(vectors[0])
    for v in vectors[1:]:
        total = [add(pk, a, b) for a, b in zip(total, v)]
    return total


def decrypt_sum(sk: PrivateKey, pk: PublicKey, cipher: list[int], length: int, total_weight: int,
                enc: Encoding) -> list[int]:
    """Key holder: the exact integer sums sum_k weight_k round(v_k 2^F)."""
    if total_weight > enc.max_total:
        raise ValueError("total weight exceeds the encoding's max_total")
    S, k = enc.slot_bits, enc.slots(pk)
    mask = (1 << S) - 1
    off = total_weight << (enc.value_bits - 1)
    out = []
    for c in cipher:
        m = decrypt(sk, c)
        for j in range(k):
            if len(out) == length:
                break
            out.append(((m >> (S * j)) & mask) - off)
    return out


def secure_weighted_mean(pk, sk, vectors: list[np.ndarray], weights: list[int], enc: Encoding = Encoding(),
                         rng: random.Random | None = None) -> tuple[np.ndarray, dict]:
    """Weighted mean of client vectors through Paillier; returns (mean float64, facts)."""
    length = len(vectors[0])
    cts = [encrypt_vector(pk, v, w, enc, rng) for v, w in zip(vectors, weights)]
    total = sum_ciphertexts(pk, cts)
    sums = decrypt_sum(sk, pk, total, length, sum(weights), enc)
    mean = np.array(sums, np.float64) / (sum(weights) * (1 << enc.frac_bits))
    facts = {"ciphertexts": len(total), "valuesPerCiphertext": enc.slots(pk),
             "ciphertextBytes": len(total) * (2 * pk.bits + 7) // 8, "keyBits": pk.bits}
    return mean, facts
