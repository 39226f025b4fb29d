"""ONNX export of a chat model with the standard decoder-with-past signature, and the model folder around it.

    inputs : input_ids [batch, sequence] int64, attention_mask [batch, past + sequence] int64,
             position_ids [batch, sequence] int64,
             past_key_values.{i}.key|value [batch, kv_heads, past, head_dim] float32 (past may be 0)
    outputs: logits [batch, sequence, vocab] float32, present.{i}.key|value [batch, kv_heads, past + sequence, head_dim]

The folder (`write_model_folder`) is the layout the studio and Transformers.js-style runtimes read:
model.onnx, config.json (Llama-compatible keys), generation_config.json, tokenizer.json, tokenizer_config.json
(with the Jinja chat template), manifest.json (Loupe's schema: files with bytes + SHA-256) and MODEL_CARD.md.
"""
from __future__ import annotations

import json
from pathlib import Path

import jinja2
import onnx
import torch

from common.export import REPO, sha256

from .bpe import ByteLevelBPE
from .model import ChatModel

OPSET = 17

# HF-style chat template: every turn is `<|role|>\n{content}<|end|>\n`; the prompt ends with `<|assistant|>\n`.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- for message in messages %}"
    "{%- if message['role'] not in ['system', 'user', 'assistant'] %}"
    "{{ raise_exception('Only system, user and assistant roles are supported') }}"
    "{%- endif %}"
    "{{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<|assistant|>\\n' }}{%- endif %}"
)
BOS, EOT = "<|endoftext|>", "<|end|>"


def render_chat(messages: list[dict], add_generation_prompt: bool = True) -> str:
    """The chat template rendered by Python's Jinja2 (the studio renders the same with @huggingface/jinja)."""
    def raise_exception(msg):
        raise jinja2.exceptions.TemplateError(msg)
    env = jinja2.Environment()
    env.globals["raise_exception"] = raise_exception
    return env.from_string(CHAT_TEMPLATE).render(messages=messages, add_generation_prompt=add_generation_prompt, bos_token=BOS, eos_token=EOT)


def past_names(layers: int) -> list[str]:
    return [f"past_key_values.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]


def present_names(layers: int) -> list[str]:
    return [f"present.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]


class ExportWrapper(torch.nn.Module):
    """Flat positional signature for torch.onnx.export: (input_ids, attention_mask, position_ids, *past)."""

    def __init__(self, model: ChatModel):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *flat_past):
        past = [(flat_past[2 * i], flat_past[2 * i + 1]) for i in range(len(flat_past) // 2)]
        logits, presents = self.model(input_ids, attention_mask, position_ids, past)
        return (logits, *[t for kv in presents for t in kv])


def export_onnx(model: ChatModel, path: Path) -> onnx.ModelProto:
    """Traced with batch 2, 3 new tokens and 2 past tokens (non-trivial sizes, so none is baked in as a constant);
    every axis that varies at run time is dynamic, and a past of length 0 runs (the Node tests check it)."""
    c = model.config
    model = model.eval()
    b, s, p = 2, 3, 2
    input_ids = torch.randint(0, c.vocab_size, (b, s))
    attention_mask = torch.ones(b, p + s, dtype=torch.long)
    position_ids = torch.arange(p, p + s).repeat(b, 1)
    past = [torch.randn(b, c.num_key_value_heads, p, c.head_dim) for _ in range(2 * c.num_hidden_layers)]
    inputs = ["input_ids", "attention_mask", "position_ids", *past_names(c.num_hidden_layers)]
    outputs = ["logits", *present_names(c.num_hidden_layers)]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"}, "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"}, "logits": {0: "batch_size", 1: "sequence_length"}}
    axes.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names(c.num_hidden_layers)})
    axes.update({n: {0: "batch_size", 2: "total_sequence_length"} for n in present_names(c.num_hidden_layers)})
    with torch.no_grad():
        torch.onnx.export(ExportWrapper(model), (input_ids, attention_mask, position_ids, *past), str(path), opset_version=OPSET,
                          input_names=inputs, output_names=outputs, dynamic_axes=axes, do_constant_folding=True)
    m = onnx.load(str(path))
    onnx.checker.check_model(m)
    m.producer_name = "loupe training/chat"
    m.doc_string = f"Loupe chat decoder ({c.norm}, {c.init} init), decoder-with-past signature."
    onnx.save(m, str(path))
    return m


def tokenizer_config(bpe: ByteLevelBPE, max_length: int) -> dict:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": BOS,
        "eos_token": EOT,
        "pad_token": BOS,
        "unk_token": None,
        "additional_special_tokens": [t for t in bpe.special_tokens if t not in (BOS, EOT)],
        "add_bos_token": False,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": max_length,
        "chat_template": CHAT_TEMPLATE,
    }


def generation_config(model: ChatModel) -> dict:
    c = model.config
    return {"bos_token_id": c.bos_token_id, "eos_token_id": list(c.eos_token_id), "pad_token_id": c.pad_token_id,
            "do_sample": False, "max_new_tokens": 128, "temperature": 0.8, "top_k": 40, "top_p": 0.95, "repetition_penalty": 1.1}


def io_spec(model: ChatModel) -> tuple[list[dict], list[dict]]:
    c = model.config
    kv = ["batch", c.num_key_value_heads, "past_sequence", c.head_dim]
    inputs = [
        {"name": "input_ids", "dtype": "int64", "shape": ["batch", "sequence"], "layout": "token ids, batch × new tokens"},
        {"name": "attention_mask", "dtype": "int64", "shape": ["batch", "total_sequence"], "layout": "1 = attend, 0 = padding, batch × (past + new)"},
        {"name": "position_ids", "dtype": "int64", "shape": ["batch", "sequence"], "layout": "absolute positions of the new tokens (RoPE)"},
    ] + [{"name": n, "dtype": "float32", "shape": kv, "layout": "batch × kv_heads × past × head_dim"} for n in past_names(c.num_hidden_layers)]
    outputs = [{"name": "logits", "shape": ["batch", "sequence", c.vocab_size], "description": "next-token logits per new position"}] + [
        {"name": n, "shape": ["batch", c.num_key_value_heads, "total_sequence", c.head_dim], "description": "key/value cache including the new tokens"}
        for n in present_names(c.num_hidden_layers)]
    return inputs, outputs


def write_model_folder(model: ChatModel, bpe: ByteLevelBPE, out: Path, *, model_id: str, name: str, intended_use: str,
                       source: dict[str, str], card: str, extra_files: dict[str, str] | None = None,
                       retrieval: dict[str, str] | None = None) -> dict:
    """Writes every file of the folder, then manifest.json listing them (bytes + SHA-256). Returns the manifest.
    `retrieval` (optional) names the reference lexicon the studio checks answers against (manifest field `retrieval`)."""
    out.mkdir(parents=True, exist_ok=True)
    export_onnx(model, out / "model.onnx")
    (out / "config.json").write_text(json.dumps(model.config.hf_config(), indent=2) + "\n")
    (out / "generation_config.json").write_text(json.dumps(generation_config(model), indent=2) + "\n")
    bpe.save(out / "tokenizer.json")
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config(bpe, model.config.max_position_embeddings), indent=2) + "\n")
    (out / "MODEL_CARD.md").write_text(card)
    (out / "LICENSE").write_bytes((REPO / "LICENSE").read_bytes())
    roles = {"model.onnx": "model", "config.json": "config", "generation_config.json": "generation-config", "tokenizer.json": "tokenizer",
             "tokenizer_config.json": "tokenizer-config", "MODEL_CARD.md": "model-card", "LICENSE": "licence", **(extra_files or {})}
    inputs, outputs = io_spec(model)
    manifest = {
        "schemaVersion": 1,
        "id": model_id,
        "task": "chat",
        "name": name,
        "files": [{"path": p, "role": r, "bytes": (out / p).stat().st_size, "sha256": sha256(out / p)} for p, r in roles.items()],
        "inputs": inputs,
        "outputs": outputs,
        "labels": [],
        "licence": {"spdx": "Apache-2.0", "file": "LICENSE"},
        "source": source,
        "intendedUse": intended_use,
        **({"retrieval": retrieval} if retrieval else {}),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
