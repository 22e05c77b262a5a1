#!/usr/bin/python3
"""PyTorch eager reference for bench_model's training step (issue 19).

The same GPT-NeoX shape as rgpb's presets (micro, tiny: parallel residual, rotary on a quarter
of each head, exact GELU, untied head, vocab 260), the same random tokens shape (batch 16 x
seq 64 -> 63 inputs; the first half of the batch are the "good" sequences, the second half the
"bad" ones), the same step (forward, the loss of core/objectives for mle, dpo with a cached
reference, exmate or ul at beta 0.5 on an all-ones loss mask, backward, AdamW), timed the same
way (two warm-up steps, then steps until `--seconds` have passed). `--precision bf16` runs the
forward under CPU autocast to bfloat16 (the loss in float32), as rgpb's AutocastScope does.
Prints `params eager <size> <total> non-embedding <n>` per size and one line per case:
`eager <size> <objective> <precision> <threads> <tokens/s> seq=<seq>`.

Parity: `bench_model --parity-out FILE` writes rgpb's weights, a batch, its logits and each
objective's loss and gradient norm; `--check FILE` recomputes them here and prints the
differences (exit 1 above --tolerance).

Runs on Debian's python3-torch (1.13, the same OpenBLAS and oneDNN as our LibTorch):
    apt-get install python3-torch
    /usr/bin/python3 bench/eager_reference.py --threads 1 --sizes micro,tiny --precision fp32
scripts/bench-eager.sh alternates it with bench_model and prints the ratios.
"""
import argparse
import json
import math
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {  # hidden, layers, heads, intermediate, positions (core/model/ModelConfig.cpp)
    "micro": (128, 5, 4, 512, 256),
    "tiny": (256, 12, 4, 1024, 512),
    "pythia-70m": (512, 6, 8, 2048, 2048),
}
VOCAB = 260
BETA = 0.5  # bench_model uses the same beta for every objective
UL_MAX_PROB = 1.0 - 1e-6  # ObjectiveTerm::ul_max_prob


class Attention(nn.Module):
    def __init__(self, h, heads, positions):
        super().__init__()
        self.heads, self.head_dim = heads, h // heads
        self.rot = int(self.head_dim * 0.25)
        self.query_key_value = nn.Linear(h, 3 * h)
        self.dense = nn.Linear(h, h)
        inv = 1.0 / (10000.0 ** (torch.arange(0, self.rot, 2).float() / self.rot))
        freqs = torch.arange(positions).float()[:, None] * inv[None, :]
        emb = torch.cat([freqs, freqs], -1)
        self.register_buffer("cos", emb.cos(), persistent=False)
        self.register_buffer("sin", emb.sin(), persistent=False)
        self.register_buffer(
            "causal", torch.tril(torch.ones(positions, positions, dtype=torch.bool)), persistent=False)

    def rotary(self, x, cos, sin):
        r = self.rot
        xr, xp = x[..., :r], x[..., r:]
        half = r // 2
        rotated = torch.cat([-xr[..., half:], xr[..., :half]], -1)
        return torch.cat([xr * cos + rotated * sin, xp], -1)

    def forward(self, x):
        b, t, _ = x.shape
        qkv = self.query_key_value(x).view(b, t, self.heads, 3 * self.head_dim).permute(0, 2, 1, 3)
        q, k, v = qkv.split(self.head_dim, -1)
        cos, sin = self.cos[:t].to(q.dtype), self.sin[:t].to(q.dtype)
        q, k = self.rotary(q, cos, sin), self.rotary(k, cos, sin)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(~self.causal[:t, :t], float("-inf"))
        out = torch.matmul(torch.softmax(scores, -1), v)
        return self.dense(out.permute(0, 2, 1, 3).reshape(b, t, -1))


class Layer(nn.Module):
    def __init__(self, h, heads, inter, positions):
        super().__init__()
        self.input_layernorm = nn.LayerNorm(h)
        self.post_attention_layernorm = nn.LayerNorm(h)
        self.attention = Attention(h, heads, positions)
        self.dense_h_to_4h = nn.Linear(h, inter)
        self.dense_4h_to_h = nn.Linear(inter, h)

    def forward(self, x):
        mlp = self.dense_4h_to_h(F.gelu(self.dense_h_to_4h(self.post_attention_layernorm(x))))
        return x + self.attention(self.input_layernorm(x)) + mlp


class GptNeoX(nn.Module):
    def __init__(self, size):
        super().__init__()
        h, layers, heads, inter, positions = PRESETS[size]
        self.embed_in = nn.Embedding(VOCAB, h)
        self.layers = nn.ModuleList(Layer(h, heads, inter, positions) for _ in range(layers))
        self.final_layer_norm = nn.LayerNorm(h)
        self.embed_out = nn.Linear(h, VOCAB, bias=False)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if getattr(m, "bias", None) is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, ids):
        x = self.embed_in(ids)
        for layer in self.layers:
            x = layer(x)
        return self.embed_out(self.final_layer_norm(x))


def sequence_logp(logits, labels):
    """Token log-probs [B, T] of the labels, as core/objectives/SequenceLogProbs computes them
    (float32, gather - logsumexp; the loss mask is all ones, so a sequence's count is T)."""
    lg = logits.float()
    picked = lg.gather(2, labels.unsqueeze(2)).squeeze(2)
    return picked - torch.logsumexp(lg, 2)  # [B, T] token log-probs


def log1mexp(x):
    """log(1 - exp(x)) for x <= 0, both branches as core's log1mexp (spec.md section 2)."""
    near = x > -math.log(2.0)
    x_near = torch.where(near, x, torch.full_like(x, -1.0))
    x_far = torch.where(near, torch.full_like(x, -1.0), x)
    return torch.where(near, torch.log(-torch.expm1(x_near)), torch.log1p(-torch.exp(x_far)))


def loss_of(objective, logits, labels, reference=None, beta=BETA, ul_max_prob=UL_MAX_PROB):
    """The batch loss of core/objectives (spec.md section 2). The first half of the batch holds the
    good sequences, the second half the bad ones; MLE, UL and ExMATE use per-token means, DPO
    sums against the cached reference sums `reference` = (S+_ref, S-_ref)."""
    half = logits.shape[0] // 2
    l = sequence_logp(logits, labels)
    pos, neg = l[:half], l[half:]
    m_pos = pos.mean(1)  # m+ = S+ / T+ with an all-ones mask
    if objective == "mle":  # MleLoss: -m+
        return -m_pos.mean()
    if objective == "dpo":  # DpoLoss: -log s(beta ((S+ - S+_ref) - (S- - S-_ref)))
        ref_pos, ref_neg = reference
        h = beta * ((pos.sum(1) - ref_pos) - (neg.sum(1) - ref_neg))
        return -F.logsigmoid(h).mean()
    if objective == "exmate":  # ExmateLoss: -m+ + beta exp(m-)
        return (-m_pos + beta * torch.exp(neg.mean(1))).mean()
    if objective == "ul":  # UnlikelihoodLoss: -m+ - beta mean_t log(1 - P-), P- clamped
        l_c = neg + (neg.clamp_max(math.log(ul_max_prob)) - neg).detach()
        return (-m_pos - beta * log1mexp(l_c).mean(1)).mean()
    raise ValueError(objective)


def cached_reference(model, inputs, labels):
    """DPO's cached reference: S+ and S- of the start model, computed once (no grad), as the
    trainer caches them before a DPO stage."""
    with torch.no_grad():
        s = sequence_logp(model(inputs), labels).sum(1)
    half = s.shape[0] // 2
    return s[:half], s[half:]


def steps_per_second(seconds, step):
    step()
    step()
    steps, start = 0, time.perf_counter()
    while True:
        step()
        steps += 1
        elapsed = time.perf_counter() - start
        if steps >= 3 and elapsed >= seconds:
            return steps / elapsed


def non_embedding_params(model):
    """Parameters minus the input embedding table (a lookup, no matrix product): the N of the
    6N training FLOPs per token, as bench_model counts it."""
    return sum(p.numel() for p in model.parameters()) - model.embed_in.weight.numel()


def read_safetensors(path):
    """The tensors of a safetensors file (the format core/model/Safetensors.h writes), without
    the safetensors package: u64 header length, JSON header, raw little-endian data."""
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "BF16": torch.bfloat16}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        flat = torch.frombuffer(bytearray(data[begin:end]), dtype=dtypes[info["dtype"]])
        out[name] = flat.reshape(info["shape"]).clone()
    return out


def check(path, tolerance):
    """Parity with rgpb: loads the weights, token batch, reference sums, logits and per-objective
    losses and gradient norms that `bench_model --parity-out FILE` wrote, recomputes them here
    and prints the largest differences. Exit status 1 when one exceeds `tolerance` (relative)."""
    t = read_safetensors(path)
    size = "".join(chr(c) for c in t.pop("bench.size").tolist())
    ids = t.pop("bench.ids")
    ref = (t.pop("bench.ref_pos"), t.pop("bench.ref_neg"))
    their_logits = t.pop("bench.logits")
    results = {k[len("bench.loss."):]: v for k, v in t.items() if k.startswith("bench.loss.")}
    grads = {k[len("bench.gradnorm."):]: v for k, v in t.items() if k.startswith("bench.gradnorm.")}
    weights = {k: v for k, v in t.items() if not k.startswith("bench.")}
    model = GptNeoX(size)
    ours = dict(model.named_parameters())
    mapped = {}
    for name, w in weights.items():  # rgpb/HF names: gpt_neox.layers.0.mlp.dense_h_to_4h.weight
        key = name.replace("gpt_neox.", "").replace("mlp.", "")
        if key not in ours or ours[key].shape != w.shape:
            raise SystemExit(f"{path}: tensor '{name}' {list(w.shape)} has no match in the eager model")
        mapped[key] = w
    if set(mapped) != set(ours):
        raise SystemExit(f"{path}: eager parameters missing from the file: {sorted(set(ours) - set(mapped))}")
    model.load_state_dict(mapped)  # strict: every eager parameter, nothing else
    inputs, labels = ids[:, :-1], ids[:, 1:]
    logits = model(inputs)
    worst = (logits - their_logits).abs().max().item() / their_logits.abs().max().item()
    print(f"check {size}: {sum(p.numel() for p in model.parameters())} parameters, "
          f"logits max |diff| / max |logit| = {worst:.2e}")
    failed = worst > tolerance
    for objective, their in sorted(results.items()):
        model.zero_grad()
        loss = loss_of(objective, model(inputs), labels, ref)
        loss.backward()
        norm = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in model.parameters())).item()
        d_loss = abs(loss.item() - their.item()) / max(abs(their.item()), 1e-12)
        d_grad = abs(norm - grads[objective].item()) / max(grads[objective].item(), 1e-12)
        ok = d_loss <= tolerance and d_grad <= tolerance
        failed |= not ok
        print(f"check {size} {objective}: loss eager {loss.item():.7f} rgpb {their.item():.7f} "
              f"(rel {d_loss:.1e}), grad norm eager {norm:.7f} rgpb {grads[objective].item():.7f} "
              f"(rel {d_grad:.1e}) {'ok' if ok else 'DIFFERENT'}")
    return 1 if failed else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--sizes", default="micro,tiny")
    p.add_argument("--objectives", default="mle", help="comma list of mle, dpo, exmate, ul")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--check", metavar="FILE", help="parity with `bench_model --parity-out FILE`")
    p.add_argument("--tolerance", type=float, default=1e-4)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.check:
        sys.exit(check(a.check, a.tolerance))
    for objective in a.objectives.split(","):
        if objective not in ("mle", "dpo", "exmate", "ul"):
            p.error(f"--objectives: expected names among mle, dpo, exmate, ul, got '{objective}'")
    for size in a.sizes.split(","):
        if size not in PRESETS:
            p.error(f"--sizes: expected names among {', '.join(PRESETS)}, got '{size}'")
    for size in a.sizes.split(","):
        torch.manual_seed(0)
        model = GptNeoX(size)
        print(f"params eager {size} {sum(p.numel() for p in model.parameters())} "
              f"non-embedding {non_embedding_params(model)}", flush=True)
        opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
        ids = torch.randint(0, VOCAB, (a.batch, a.seq))
        inputs, labels = ids[:, :-1], ids[:, 1:]
        tokens = a.batch * (a.seq - 1)
        for objective in a.objectives.split(","):
            reference = cached_reference(model, inputs, labels) if objective == "dpo" else None

            def step():
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
                    logits = model(inputs)
                loss = loss_of(objective, logits, labels, reference)
                opt.zero_grad()
                loss.backward()
                opt.step()

            rate = steps_per_second(a.seconds, step) * tokens
            print(f"eager {size} {objective} {a.precision} {a.threads} {rate:.0f} seq={a.seq}",
                  flush=True)


if __name__ == "__main__":
    main()
