#!/usr/bin/python3
"""PyTorch eager reference for bench_model's training step (issue 19).

The same GPT-NeoX shape as rgpb's presets (micro, tiny: parallel residual, rotary on a quarter
of each head, exact GELU, untied head, vocab 260), the same random tokens shape (batch 16 x
seq 64 -> 63 inputs), the same step (forward, cross entropy or a pair objective, backward,
AdamW), timed the same way (two warm-up steps, then steps until `--seconds` have passed).
Prints one line per case: `eager <size> <objective> <precision> <threads> <tokens/s>`.

Runs on Debian's python3-torch (1.13, the same OpenBLAS and oneDNN as our LibTorch):
    apt-get install python3-torch
    /usr/bin/python3 bench/eager_reference.py --threads 1 --sizes micro,tiny --precision fp32
scripts/bench-eager.sh alternates it with bench_model and prints the ratios.
"""
import argparse
import math
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
    """Per-sequence sum of log p(label), as core/objectives/SequenceLogProbs computes it."""
    lg = logits.float()
    picked = lg.gather(2, labels.unsqueeze(2)).squeeze(2)
    return (picked - torch.logsumexp(lg, 2)).sum(1)


def loss_of(objective, logits, labels, beta=0.5):
    if objective == "mle":
        return F.cross_entropy(logits.float().reshape(-1, VOCAB), labels.reshape(-1))
    half = logits.shape[0] // 2  # first half: good sequences, second half: bad ones
    s = sequence_logp(logits, labels)
    pos, neg = s[:half], s[half:]
    if objective == "dpo":  # cached reference: constants
        return -F.logsigmoid(beta * ((pos - pos.detach()) - (neg - neg.detach()) + 0.1)).mean()
    if objective == "exmate":
        return (-pos + beta * torch.exp(neg / labels.shape[1])).mean()
    raise ValueError(objective)


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


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--sizes", default="micro,tiny")
    p.add_argument("--objectives", default="mle")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seq", type=int, default=64)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    for size in a.sizes.split(","):
        torch.manual_seed(0)
        model = GptNeoX(size)
        opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
        ids = torch.randint(0, VOCAB, (a.batch, a.seq))
        inputs, labels = ids[:, :-1], ids[:, 1:]
        tokens = a.batch * (a.seq - 1)
        for objective in a.objectives.split(","):

            def step():
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
                    logits = model(inputs)
                loss = loss_of(objective, logits, labels)
                opt.zero_grad()
                loss.backward()
                opt.step()

            rate = steps_per_second(a.seconds, step) * tokens
            print(f"eager {size} {objective} {a.precision} {a.threads} {rate:.0f}", flush=True)


if __name__ == "__main__":
    main()
