"""A miniature Pangu-style decoder: RMSNorm, RoPE, SwiGLU, grouped-query attention, depth-scaled sandwich norm
(DSSN) and TinyInit, with a key/value cache in the standard Hugging Face layout ([batch, kv_heads, seq, head_dim]).

Normalisation (`ChatConfig.norm`), for the stability experiment:
  - "pre":      h <- h + F(Norm(h))                         (Llama)
  - "sandwich": h <- h + Norm_post(F(Norm_pre(h))), post gains start at 1
  - "dssn":     the same, post gains start at c/sqrt(L) (c_attn 0.283, c_ffn 0.432; Pangu Ultra)
Initialisation (`ChatConfig.init`):
  - "tiny":   every linear weight ~ N(0, 1/(2 d L)) (TinyInit, d = hidden size, L = layers), embeddings std 0.5
  - "normal": every linear weight and the embeddings ~ N(0, 0.02^2) (GPT-2 / Llama baseline)
A final RMSNorm precedes the LM head in every variant.

`forward(input_ids, attention_mask, position_ids, past)` is exactly the exported ONNX signature: the attention
mask covers past + new tokens (1 = attend, 0 = padding), the causal mask is built from it without shape constants
so batch, sequence and past lengths (0 included) stay dynamic.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

DSSN_C_ATTN = 0.283
DSSN_C_FFN = 0.432
NORMS = ("pre", "sandwich", "dssn")
INITS = ("tiny", "normal")


@dataclass
class ChatConfig:
    vocab_size: int
    hidden_size: int = 64
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    intermediate_size: int = 176
    max_position_embeddings: int = 512
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-6
    norm: str = "dssn"
    init: str = "tiny"
    tie_word_embeddings: bool = False
    bos_token_id: int = 0
    eos_token_id: tuple[int, ...] = (0,)
    pad_token_id: int = 0

    def __post_init__(self):
        assert self.norm in NORMS, f"norm must be one of {NORMS}"
        assert self.init in INITS, f"init must be one of {INITS}"
        assert self.hidden_size % self.num_attention_heads == 0
        assert self.num_attention_heads % self.num_key_value_heads == 0
        assert self.head_dim % 2 == 0, "RoPE needs an even head_dim"
        self.eos_token_id = tuple(self.eos_token_id)

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    def hf_config(self) -> dict:
        """config.json: Llama-compatible keys (so Llama-aware loaders read the shapes) plus our norm/init."""
        d = asdict(self)
        eos = list(self.eos_token_id)
        return {
            "architectures": ["LoupePanguForCausalLM"],
            "model_type": "llama",
            "hidden_size": self.hidden_size,
            "intermediate_size": self.intermediate_size,
            "num_attention_heads": self.num_attention_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "num_hidden_layers": self.num_hidden_layers,
            "head_dim": self.head_dim,
            "vocab_size": self.vocab_size,
            "max_position_embeddings": self.max_position_embeddings,
            "rope_theta": self.rope_theta,
            "rms_norm_eps": self.rms_norm_eps,
            "hidden_act": "silu",
            "tie_word_embeddings": self.tie_word_embeddings,
            "bos_token_id": self.bos_token_id,
            "eos_token_id": eos if len(eos) > 1 else eos[0],
            "pad_token_id": self.pad_token_id,
            "torch_dtype": "float32",
            "use_cache": True,
            "loupe": {"norm": d["norm"], "init": d["init"], "sandwich_norm": self.norm != "pre",
                      "dssn_c_attn": DSSN_C_ATTN, "dssn_c_ffn": DSSN_C_FFN},
        }

    @classmethod
    def from_hf(cls, j: dict) -> "ChatConfig":
        eos = j.get("eos_token_id", 0)
        extra = j.get("loupe", {})
        return cls(vocab_size=j["vocab_size"], hidden_size=j["hidden_size"], num_hidden_layers=j["num_hidden_layers"],
                   num_attention_heads=j["num_attention_heads"], num_key_value_heads=j.get("num_key_value_heads", j["num_attention_heads"]),
                   intermediate_size=j["intermediate_size"], max_position_embeddings=j["max_position_embeddings"],
                   rope_theta=j.get("rope_theta", 10000.0), rms_norm_eps=j.get("rms_norm_eps", 1e-6),
                   norm=extra.get("norm", "pre"), init=extra.get("init", "normal"), tie_word_embeddings=j.get("tie_word_embeddings", False),
                   bos_token_id=j.get("bos_token_id", 0), eos_token_id=tuple(eos if isinstance(eos, list) else [eos]), pad_token_id=j.get("pad_token_id", 0))


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float, gain: float = 1.0):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.full((dim,), float(gain)))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class RotaryEmbedding(nn.Module):
    """RoPE, Llama's (non-interleaved) convention: angles position * theta^(-2i/head_dim), halves rotated."""

    def __init__(self, head_dim: int, theta: float):
        super().__init__()
        inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, position_ids):  # [B, S] -> cos, sin [B, 1, S, head_dim]
        freqs = position_ids.to(torch.float32)[..., None] * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos()[:, None], emb.sin()[:, None]


class Attention(nn.Module):
    def __init__(self, c: ChatConfig):
        super().__init__()
        self.n_heads, self.n_kv, self.hd = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        self.q_proj = nn.Linear(c.hidden_size, self.n_heads * self.hd, bias=False)
        self.k_proj = nn.Linear(c.hidden_size, self.n_kv * self.hd, bias=False)
        self.v_proj = nn.Linear(c.hidden_size, self.n_kv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.n_heads * self.hd, c.hidden_size, bias=False)

    def forward(self, x, cos, sin, mask, past_k, past_v):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.n_heads, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.n_kv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.n_kv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = torch.cat((past_k, k), dim=2)  # present, [B, kv_heads, past + S, head_dim]
        v = torch.cat((past_v, v), dim=2)
        rep = self.n_heads // self.n_kv
        kk = k[:, :, None].expand(-1, -1, rep, -1, -1).flatten(1, 2) if rep > 1 else k
        vv = v[:, :, None].expand(-1, -1, rep, -1, -1).flatten(1, 2) if rep > 1 else v
        scores = torch.matmul(q, kk.transpose(-1, -2)) * (1.0 / math.sqrt(self.hd))
        scores = torch.where(mask, scores, torch.full_like(scores, -1e9))
        out = torch.matmul(torch.softmax(scores, dim=-1), vv)
        return self.o_proj(out.transpose(1, 2).flatten(2)), k, v


class SwiGLU(nn.Module):
    def __init__(self, c: ChatConfig):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c: ChatConfig):
        super().__init__()
        self.attn_norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.attn = Attention(c)
        self.ffn_norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.ffn = SwiGLU(c)
        self.sandwich = c.norm != "pre"
        if self.sandwich:
            scale = 1.0 / math.sqrt(c.num_hidden_layers) if c.norm == "dssn" else 1.0
            gain_attn = DSSN_C_ATTN * scale if c.norm == "dssn" else 1.0
            gain_ffn = DSSN_C_FFN * scale if c.norm == "dssn" else 1.0
            self.attn_post_norm = RMSNorm(c.hidden_size, c.rms_norm_eps, gain_attn)
            self.ffn_post_norm = RMSNorm(c.hidden_size, c.rms_norm_eps, gain_ffn)

    def forward(self, h, cos, sin, mask, past_k, past_v):
        a, k, v = self.attn(self.attn_norm(h), cos, sin, mask, past_k, past_v)
        h = h + (self.attn_post_norm(a) if self.sandwich else a)
        f = self.ffn(self.ffn_norm(h))
        h = h + (self.ffn_post_norm(f) if self.sandwich else f)
        return h, k, v


def causal_mask(input_ids, attention_mask):
    """[B, 1, S, T] bool: query i (absolute index past + i) sees key j when j <= past + i and attention_mask[j] = 1.
    Indices come from cumulative sums of ones, so no shape constant is baked into the exported graph."""
    key_idx = torch.cumsum(torch.ones_like(attention_mask), dim=-1) - 1                       # [B, T]: 0..T-1
    new_idx = torch.cumsum(torch.ones_like(input_ids), dim=-1)                                 # [B, S]: 1..S
    query_idx = key_idx[:, -1:] - new_idx[:, -1:] + new_idx                                    # [B, S]: past..T-1
    mask = (key_idx[:, None, :] <= query_idx[:, :, None]) & (attention_mask[:, None, :] > 0)  # [B, S, T]
    return mask[:, None]


class ChatModel(nn.Module):
    def __init__(self, c: ChatConfig):
        super().__init__()
        self.config = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.rope = RotaryEmbedding(c.head_dim, c.rope_theta)
        self.layers = nn.ModuleList(Block(c) for _ in range(c.num_hidden_layers))
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        self.reset_parameters()
        if c.tie_word_embeddings:
            self.lm_head.weight = self.embed_tokens.weight

    def reset_parameters(self):
        c = self.config
        std = math.sqrt(1.0 / (2 * c.hidden_size * c.num_hidden_layers)) if c.init == "tiny" else 0.02
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, std)
        nn.init.normal_(self.embed_tokens.weight, 0.0, 0.5 if c.init == "tiny" else 0.02)

    def empty_past(self, batch: int = 1):
        c = self.config
        w = self.embed_tokens.weight
        z = torch.zeros(batch, c.num_key_value_heads, 0, c.head_dim, device=w.device, dtype=w.dtype)
        return [(z, z) for _ in range(c.num_hidden_layers)]

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None):
        """Returns logits [B, S, V] and the presents, one (key, value) per layer, [B, kv_heads, past + S, head_dim]."""
        b = input_ids.shape[0]
        past = past if past is not None else self.empty_past(b)
        past_len = past[0][0].shape[2]
        if attention_mask is None:
            attention_mask = torch.ones(b, past_len + input_ids.shape[1], dtype=torch.long, device=input_ids.device)
        if position_ids is None:
            position_ids = (torch.cumsum(attention_mask, -1) - 1).clamp(min=0)[:, past_len:]
        mask = causal_mask(input_ids, attention_mask)
        cos, sin = self.rope(position_ids)
        h = self.embed_tokens(input_ids)
        presents = []
        for layer, (pk, pv) in zip(self.layers, past):
            h, k, v = layer(h, cos, sin, mask, pk, pv)
            presents.append((k, v))
        return self.lm_head(self.norm(h)), presents

    @torch.no_grad()
    def greedy(self, prompt_ids: list[int], max_new_tokens: int, eos_ids: tuple[int, ...] = ()) -> tuple[list[int], list[float]]:
        """Greedy decoding with the cache; returns the new tokens and, per step, the gap between the two best
        logits (how safely another runtime must reproduce each choice)."""
        ids = torch.tensor([prompt_ids])
        logits, past = self(ids)
        out, gaps = [], []
        total = len(prompt_ids)
        for _ in range(max_new_tokens):
            top = torch.topk(logits[0, -1], 2)
            nxt = int(top.indices[0])
            out.append(nxt)
            gaps.append(float(top.values[0] - top.values[1]))
            if nxt in eos_ids:
                break
            total += 1
            logits, past = self(torch.tensor([[nxt]]), torch.ones(1, total, dtype=torch.long), torch.tensor([[total - 1]]), past)
        return out, gaps


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())
