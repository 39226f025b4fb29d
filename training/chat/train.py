"""Trains the dictionary-assistant chat model on chat/data (built by chat.corpus). Runs on torch 1.13 (CPU) and 2.x.

    /usr/bin/python3 -m chat.train --data chat/data --out chat/runs/tiny --device cpu --hidden 64 --layers 2 \\
        --heads 4 --kv-heads 2 --ffn 176 --batch 4 --steps 30

Windows of `--seq` + 1 tokens start at conversation starts (`<|endoftext|>`) and run on into the following
conversations (packing). Loss = mean CE on answer tokens (loss mask 1: assistant contents and their `<|end|>`)
+ `--lm-weight` x mean CE on every other token. AdamW beta (0.9, 0.95), weight decay on >= 2-D weights only (not the
norm gains), grad clip, linear warm-up then cosine to `--min-lr-ratio` x lr. With `--max-minutes` (and the default
`--schedule time`) the cosine runs on max(step / steps, elapsed / budget), so a time-limited run still anneals; the
run stops cleanly after the step that crosses the budget (`--schedule steps`: the cosine follows steps only).
On cuda: bf16 autocast and TF32 matmuls.

Writes to --out: log.json (per step: loss, answer loss, grad norm before clipping, lr; periodic held-out answer
loss / perplexity), model.pt (float32 state_dict + ChatConfig + tokenizer path + args) and model_fp16.pt (float16).
"""
from __future__ import annotations

import argparse
import ast
import json
import math
import time
import zipfile
from dataclasses import asdict
from pathlib import Path

import torch
import torch.nn.functional as F

from .bpe import ByteLevelBPE
from .model import ChatConfig, ChatModel, count_parameters


def add_model_args(ap: argparse.ArgumentParser, *, hidden: int, layers: int, heads: int, kv_heads: int, ffn: int, seq: int,
                   batch: int):
    """The model's shape and the batch shape, with the caller's defaults (training and the stability experiment run
    different models through the same `run`)."""
    ap.add_argument("--hidden", type=int, default=hidden)
    ap.add_argument("--layers", type=int, default=layers)
    ap.add_argument("--heads", type=int, default=heads)
    ap.add_argument("--kv-heads", type=int, default=kv_heads)
    ap.add_argument("--ffn", type=int, default=ffn)
    ap.add_argument("--seq", type=int, default=seq)
    ap.add_argument("--batch", type=int, default=batch)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("chat/data"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--norm", default="dssn", choices=["pre", "sandwich", "dssn"])
    ap.add_argument("--init", default="tiny", choices=["tiny", "normal"])
    add_model_args(ap, hidden=256, layers=8, heads=8, kv_heads=2, ffn=704, seq=256, batch=32)
    ap.add_argument("--tie", action="store_true", help="tie the LM head to the embeddings")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--min-lr-ratio", type=float, default=0.1)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--lm-weight", type=float, default=0.1, help="weight of the CE on non-answer tokens")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--from", dest="init_from", type=Path, default=None, help="start from this model.pt (a second stage; same shape)")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    ap.add_argument("--checkpoint-every", type=int, default=0, help="also write model.pt every N steps (0 = only at the end)")
    ap.add_argument("--max-minutes", type=float, default=0.0, help="stop after this much training time (0 = none)")
    ap.add_argument("--schedule", default="time", choices=["time", "steps"],
                    help="cosine progress: max(step/steps, elapsed/budget) ('time', with --max-minutes) or step/steps")
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--eval-every", type=int, default=200)
    ap.add_argument("--eval-batches", type=int, default=8)
    ap.add_argument("--stop-on-nan", action="store_true", default=True)
    ap.add_argument("--quiet", action="store_true")
    return ap


_NPY_DTYPES = {"<u2": torch.int16, "|u1": torch.uint8, "<i8": torch.int64, "<i4": torch.int32}


def read_npz(path: Path) -> dict[str, torch.Tensor]:
    """The arrays of an .npz (1-D, little-endian) as torch tensors, without needing numpy (the GPU machine may lack
    it): tokens (uint16 on disk) come back as int64, mask and kinds as uint8, offsets as int64."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            raw = z.read(name)
            assert raw[:6] == b"\x93NUMPY", f"{name}: not an .npy"
            hlen_size = 2 if raw[6] == 1 else 4
            hlen = int.from_bytes(raw[8:8 + hlen_size], "little")
            header = ast.literal_eval(raw[8 + hlen_size:8 + hlen_size + hlen].decode("latin1"))
            assert not header["fortran_order"] and len(header["shape"]) == 1, f"{name}: 1-D C arrays only"
            body = bytearray(raw[8 + hlen_size + hlen:])
            t = torch.frombuffer(body, dtype=_NPY_DTYPES[header["descr"]]) if body else torch.zeros(0, dtype=_NPY_DTYPES[header["descr"]])
            if header["descr"] == "<u2":
                t = t.to(torch.int64) & 0xFFFF
            elif header["descr"] == "<i4":
                t = t.to(torch.int64)
            out[name[:-4] if name.endswith(".npy") else name] = t.clone()
    return out


def load_split(data: Path, name: str) -> dict[str, torch.Tensor]:
    return read_npz(Path(data) / f"{name}.npz")


class Windows:
    """Random windows of seq + 1 tokens starting at conversation starts; a fixed generator, so the data order
    depends only on the seed (same order for every model in the stability experiment)."""

    def __init__(self, split: dict, seq: int, device: str, seed: int):
        self.tokens = split["tokens"].to(torch.int64)
        self.mask = split["mask"].to(torch.uint8)
        n = len(self.tokens)
        if n < seq + 1:  # tiny data sets: repeat
            reps = (seq + 1) // n + 1
            self.tokens, self.mask = self.tokens.repeat(reps), self.mask.repeat(reps)
            n = len(self.tokens)
        offs = split["offsets"][:-1].to(torch.int64)
        self.starts = offs[offs <= n - seq - 1]
        if len(self.starts) == 0:
            self.starts = torch.zeros(1, dtype=torch.long)
        self.seq = seq
        self.device = device
        self.gen = torch.Generator().manual_seed(seed)
        self.ar = torch.arange(seq + 1)

        self.tokens, self.mask = self.tokens.to(device), self.mask.to(device)  # ~170 MB on a GPU: gather there

    def batch(self, b: int):
        s = self.starts[torch.randint(len(self.starts), (b,), generator=self.gen)]
        idx = (s[:, None] + self.ar).to(self.device, non_blocking=True)
        return self.tokens[idx], self.mask[idx]


def make_config(args, vocab_size: int, bpe: ByteLevelBPE) -> ChatConfig:
    return ChatConfig(vocab_size=vocab_size, hidden_size=args.hidden, num_hidden_layers=args.layers,
                      num_attention_heads=args.heads, num_key_value_heads=args.kv_heads, intermediate_size=args.ffn,
                      max_position_embeddings=max(512, args.seq), norm=args.norm, init=args.init,
                      tie_word_embeddings=args.tie, bos_token_id=bpe.token_id("<|endoftext|>"),
                      eos_token_id=(bpe.token_id("<|end|>"), bpe.token_id("<|endoftext|>")),
                      pad_token_id=bpe.token_id("<|endoftext|>"))


def losses(model, x, m, lm_weight: float):
    """(total, answer CE mean, other CE mean) for windows x [B, S+1] with loss mask m."""
    inp, tgt, mask = x[:, :-1], x[:, 1:], m[:, 1:].float()
    logits, _ = model(inp)
    ce = F.cross_entropy(logits.float().flatten(0, 1), tgt.flatten(), reduction="none").view_as(mask)
    ans = (ce * mask).sum() / mask.sum().clamp(min=1)
    other = (ce * (1 - mask)).sum() / (1 - mask).sum().clamp(min=1)
    return ans + lm_weight * other, ans, other


def lr_at(args, step: int, progress: float) -> float:
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    p = min(1.0, max(0.0, progress))
    return args.lr * (args.min_lr_ratio + (1 - args.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * p)))


def autocast(device: str):
    if device.startswith("cuda"):
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


@torch.no_grad()
def heldout_loss(model, windows: Windows, args) -> tuple[float, float]:
    model.eval()
    g = windows.gen.get_state()
    windows.gen.manual_seed(12345)  # the same held-out windows every time
    tot = cnt = 0.0
    for _ in range(args.eval_batches):
        x, m = windows.batch(args.batch)
        with autocast(args.device):
            logits, _ = model(x[:, :-1])
        ce = F.cross_entropy(logits.float().flatten(0, 1), x[:, 1:].flatten(), reduction="none")
        mk = m[:, 1:].flatten().float()
        tot += float((ce * mk).sum())
        cnt += float(mk.sum())
    windows.gen.set_state(g)
    model.train()
    loss = tot / max(cnt, 1.0)
    return loss, math.exp(min(loss, 50.0))


def run(args) -> dict:
    t_start = time.time()
    torch.manual_seed(args.seed)
    if getattr(args, "threads", 0):
        torch.set_num_threads(args.threads)
    if args.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tok_path = Path(args.data) / "tokenizer.json"
    bpe = ByteLevelBPE.load(tok_path)
    train, held = load_split(args.data, "train"), load_split(args.data, "heldout")
    cfg = make_config(args, bpe.vocab_size, bpe)
    model = ChatModel(cfg).to(args.device)
    if getattr(args, "init_from", None):
        model.load_state_dict({k: v.float() for k, v in torch.load(args.init_from, map_location="cpu")["state_dict"].items()})
    n_params = count_parameters(model)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    tw = Windows(train, args.seq, args.device, args.seed)
    hw = Windows(held, args.seq, args.device, args.seed + 1)
    budget = args.max_minutes * 60.0
    log = {"args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, "config": asdict(cfg),
           "parameters": n_params, "train_tokens": int(len(train["tokens"])), "step": [], "loss": [], "answer_loss": [],
           "other_loss": [], "grad_norm": [], "lr": [], "time": [], "eval": [], "stopped": "steps", "diverged": False}
    if not args.quiet:
        print(f"[train] {n_params:,} parameters, {len(train['tokens']):,} train tokens, norm {args.norm}, init {args.init}, "
              f"device {args.device}", flush=True)
    pending = []
    t0 = time.time()
    step = 0

    def flush():
        if not pending:
            return
        vals = torch.stack([torch.stack(p[1:5]) for p in pending]).float().cpu().tolist()
        for (s, *_rest, lr, t), v in zip(pending, vals):
            log["step"].append(s)
            log["loss"].append(v[0]); log["answer_loss"].append(v[1]); log["other_loss"].append(v[2])
            log["grad_norm"].append(v[3]); log["lr"].append(lr); log["time"].append(round(t, 3))
        pending.clear()

    model.train()
    while step < args.steps:
        elapsed = time.time() - t0
        progress = max(step / max(1, args.steps), elapsed / budget if budget > 0 and args.schedule == "time" else 0.0)
        lr = lr_at(args, step, progress)
        for g in opt.param_groups:
            g["lr"] = lr
        x, m = tw.batch(args.batch)
        with autocast(args.device):
            loss, ans, other = losses(model, x, m, args.lm_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        pending.append((step, loss.detach(), ans.detach(), other.detach(), gn.detach().float(), lr, time.time() - t0))
        step += 1
        last = step >= args.steps or (budget > 0 and time.time() - t0 >= budget)
        if step % args.log_every == 0 or last:
            flush()
            cur = log["loss"][-1]
            if not args.quiet:
                print(f"[train] step {step} loss {cur:.4f} answer {log['answer_loss'][-1]:.4f} gnorm {log['grad_norm'][-1]:.3f} "
                      f"lr {lr:.2e} {time.time() - t0:.0f} s", flush=True)
            if args.stop_on_nan and not all(math.isfinite(v) for v in log["loss"][-args.log_every:]):
                log["diverged"] = True
                log["stopped"] = "nan"
                break
        if (args.eval_every and step % args.eval_every == 0) or last:
            hl, ppl = heldout_loss(model, hw, args)
            log["eval"].append({"step": step, "heldout_answer_loss": hl, "heldout_answer_ppl": ppl, "time": round(time.time() - t0, 2)})
            if not args.quiet:
                print(f"[train] step {step} held-out answer loss {hl:.4f} ppl {ppl:.2f}", flush=True)
        if getattr(args, "checkpoint_every", 0) and step % args.checkpoint_every == 0 and not last:
            torch.save({"config": asdict(cfg), "tokenizer": str(tok_path), "args": log["args"], "step": step,
                        "parameters": n_params, "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()}},
                       out / "model.pt")
        if budget > 0 and time.time() - t0 >= budget and step < args.steps:
            log["stopped"] = "max-minutes"
            break
    flush()
    train_s = time.time() - t0
    log["steps_done"] = step
    log["train_seconds"] = round(train_s, 2)
    log["tokens_seen"] = step * args.batch * args.seq
    log["tokens_per_second"] = round(step * args.batch * args.seq / max(train_s, 1e-9), 1)
    meta = {"config": asdict(cfg), "tokenizer": str(tok_path), "args": log["args"], "step": step, "parameters": n_params}
    sd = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save({**meta, "state_dict": sd}, out / "model.pt")
    torch.save({**meta, "state_dict": {k: v.half() for k, v in sd.items()}, "dtype": "float16"}, out / "model_fp16.pt")
    log["seconds_total"] = round(time.time() - t_start, 2)
    (out / "log.json").write_text(json.dumps(log, separators=(",", ":")) + "\n")
    if not args.quiet:
        print(f"[train] done: {step} steps in {train_s:.0f} s ({log['tokens_per_second']:.0f} tokens/s), stopped by {log['stopped']}; "
              f"wrote {out}", flush=True)
    return log


def load_checkpoint(path: Path, device: str = "cpu") -> tuple[ChatModel, dict]:
    """model.pt or model_fp16.pt -> float32 ChatModel (eval mode) and the checkpoint metadata."""
    try:
        ck = torch.load(str(path), map_location="cpu", weights_only=False)
    except TypeError:  # older torch without weights_only
        ck = torch.load(str(path), map_location="cpu")
    c = dict(ck["config"])
    c["eos_token_id"] = tuple(c["eos_token_id"])
    model = ChatModel(ChatConfig(**c))
    model.load_state_dict({k: v.float() for k, v in ck["state_dict"].items()})
    return model.to(device).eval(), ck


def main(argv=None) -> int:
    run(parser().parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
