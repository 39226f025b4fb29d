import math

import onnx
import pytest
import torch

from chat.export import CHAT_TEMPLATE, export_onnx, past_names, present_names, render_chat
from chat.model import DSSN_C_ATTN, DSSN_C_FFN, ChatConfig, ChatModel, causal_mask, count_parameters


def tiny(norm="dssn", init="tiny", **kw):
    torch.manual_seed(0)
    cfg = dict(vocab_size=50, hidden_size=32, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2, intermediate_size=48, norm=norm, init=init)
    cfg.update(kw)
    return ChatModel(ChatConfig(**cfg)).eval()


def test_dssn_post_norm_gains_start_at_c_over_sqrt_layers():
    m = tiny("dssn", num_hidden_layers=4)
    for block in m.layers:
        assert torch.allclose(block.attn_post_norm.weight, torch.full((32,), DSSN_C_ATTN / 2))
        assert torch.allclose(block.ffn_post_norm.weight, torch.full((32,), DSSN_C_FFN / 2))
        assert torch.all(block.attn_norm.weight == 1)


def test_sandwich_gains_start_at_one_and_pre_ln_has_no_post_norm():
    s = tiny("sandwich")
    assert all(torch.all(b.attn_post_norm.weight == 1) and torch.all(b.ffn_post_norm.weight == 1) for b in s.layers)
    p = tiny("pre")
    assert not any(hasattr(b, "attn_post_norm") for b in p.layers)
    assert count_parameters(s) - count_parameters(p) == 3 * 2 * 32


def test_tiny_init_std():
    torch.manual_seed(0)
    m = ChatModel(ChatConfig(vocab_size=2000, hidden_size=256, num_hidden_layers=8, num_attention_heads=4, num_key_value_heads=2, intermediate_size=512))
    want = math.sqrt(1 / (2 * 256 * 8))  # 0.0156
    for w in (m.layers[0].attn.q_proj.weight, m.layers[3].ffn.down_proj.weight, m.lm_head.weight):
        assert abs(w.std().item() - want) / want < 0.03
    assert abs(m.embed_tokens.weight.std().item() - 0.5) < 0.01
    n = ChatModel(ChatConfig(vocab_size=2000, hidden_size=256, num_hidden_layers=8, num_attention_heads=4, num_key_value_heads=2, intermediate_size=512, init="normal"))
    assert abs(n.layers[0].attn.q_proj.weight.std().item() - 0.02) < 0.001


def test_gqa_shapes():
    m = tiny()
    logits, presents = m(torch.randint(0, 50, (2, 5)))
    assert logits.shape == (2, 5, 50)
    assert len(presents) == 3 and presents[0][0].shape == (2, 2, 5, 8) and presents[0][1].shape == (2, 2, 5, 8)


def test_causal_mask_with_past_and_padding():
    ids = torch.zeros(1, 2, dtype=torch.long)
    mask = causal_mask(ids, torch.tensor([[0, 1, 1, 1]]))[0, 0]  # past 2 (first padded), 2 new tokens
    assert mask.tolist() == [[False, True, True, False], [False, True, True, True]]


@pytest.mark.parametrize("norm", ["pre", "sandwich", "dssn"])
def test_kv_cache_decode_equals_full_forward(norm):
    m = tiny(norm)
    ids = torch.randint(0, 50, (1, 9))
    with torch.no_grad():
        full, _ = m(ids)
        logits, past = m(ids[:, :4])
        steps = [logits[:, -1]]
        for t in range(4, 9):
            logits, past = m(ids[:, t:t + 1], torch.ones(1, t + 1, dtype=torch.long), torch.tensor([[t]]), past)
            steps.append(logits[:, -1])
    assert torch.allclose(torch.stack(steps, 1), full[:, 3:], atol=1e-5)


def test_left_padding_does_not_change_real_tokens():
    m = tiny()
    ids = torch.randint(1, 50, (1, 6))
    with torch.no_grad():
        plain, _ = m(ids)
        padded, _ = m(torch.cat([torch.zeros(1, 3, dtype=torch.long), ids], 1), torch.tensor([[0, 0, 0] + [1] * 6]),
                      torch.tensor([[0, 0, 0, 0, 1, 2, 3, 4, 5]]))
    assert torch.allclose(padded[:, 3:], plain, atol=1e-5)


def test_greedy_reports_gaps_and_stops_at_eos():
    m = tiny()
    tokens, gaps = m.greedy([1, 2, 3], 5)
    assert len(tokens) == 5 and all(g >= 0 for g in gaps)
    stop = tokens[1]
    assert m.greedy([1, 2, 3], 5, (stop,))[0] == tokens[: tokens.index(stop) + 1]


def test_config_round_trip():
    c = tiny().config
    j = c.hf_config()
    assert j["model_type"] == "llama" and j["num_key_value_heads"] == 2 and j["head_dim"] == 8
    assert ChatConfig.from_hf(j) == c


def test_chat_template_two_turns():
    text = render_chat([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "Bye"}])
    assert text == "<|endoftext|><|user|>\nHi<|end|>\n<|assistant|>\nHello.<|end|>\n<|user|>\nBye<|end|>\n<|assistant|>\n"
    assert "raise_exception" in CHAT_TEMPLATE
    with pytest.raises(Exception):
        render_chat([{"role": "tool", "content": "x"}])


def test_export_signature_and_dynamic_axes(tmp_path):
    m = tiny(num_hidden_layers=2)
    proto = export_onnx(m, tmp_path / "m.onnx")
    names = [i.name for i in proto.graph.input]
    assert names == ["input_ids", "attention_mask", "position_ids", *past_names(2)]
    assert [o.name for o in proto.graph.output] == ["logits", *present_names(2)]
    dims = {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in proto.graph.input}
    assert dims["past_key_values.1.value"] == ["batch_size", 2, "past_sequence_length", 8]
    assert dims["attention_mask"] == ["batch_size", "total_sequence_length"]
    assert proto.opset_import[0].version == 17
    onnx.checker.check_model(proto)
