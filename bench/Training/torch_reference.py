#!/usr/bin/env python3
"""PyTorch reference for bench/Training (bench/README.md, "Training").

The same decoder as the C# trainer's model: Qwen2-style LM with RMSNorm, rotary embeddings on Q/K (plain 1-D NeoX
rope; Qwen2-VL's M-RoPE equals it for text positions), grouped-query causal attention with Q/K/V biases, SwiGLU MLP,
tied output embedding; frozen random F32 weights, LoRA (rank r, alpha 2r) on all 7 projections, next-token
cross-entropy on every row, AdamW on the LoRA parameters only. Times forward + backward + optimizer step.

    OPENBLAS_NUM_THREADS=1 python3 bench/Training/torch_reference.py [--threads 2] [--layers 12] [--steps 8]
"""
import argparse
import math
import os
import statistics
import time

import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--hidden", type=int, default=384)
p.add_argument("--layers", type=int, default=12)
p.add_argument("--heads", type=int, default=6)
p.add_argument("--kv-heads", type=int, default=2)
p.add_argument("--ffn", type=int, default=1024)
p.add_argument("--vocab", type=int, default=1088)
p.add_argument("--sequences", type=int, default=4)
p.add_argument("--length", type=int, default=128)
p.add_argument("--rank", type=int, default=8)
p.add_argument("--steps", type=int, default=8)
p.add_argument("--warmup", type=int, default=2)
p.add_argument("--full", action="store_true", help="full fine-tuning: every weight trainable, no LoRA")
p.add_argument("--packed", action="store_true",
               help="one 512-row sequence with a block-diagonal causal mask, as the C# trainer packs the batch")
a = p.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(0)
D, H, KV, HD = a.hidden, a.heads, a.kv_heads, a.hidden // a.heads


class LoraLinear(torch.nn.Module):
    def __init__(self, n_in, n_out, bias):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(n_out, n_in) * 0.02, requires_grad=a.full)
        self.bias = torch.nn.Parameter(torch.zeros(n_out), requires_grad=a.full) if bias else None
        if not a.full:
            self.lora_a = torch.nn.Parameter(torch.randn(a.rank, n_in) / math.sqrt(n_in))
            self.lora_b = torch.nn.Parameter(torch.zeros(n_out, a.rank))
        self.scale = 2.0  # alpha / rank with alpha = 2 * rank

    def forward(self, x):
        if a.full:
            return F.linear(x, self.weight, self.bias)
        return F.linear(x, self.weight, self.bias) + F.linear(F.linear(x, self.lora_a), self.lora_b) * self.scale


class RmsNorm(torch.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(n), requires_grad=a.full)

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.weight


def rope(x, cos, sin):  # x: [B, heads, T, HD], NeoX halves
    x1, x2 = x[..., : HD // 2], x[..., HD // 2:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.attn_norm, self.ffn_norm = RmsNorm(D), RmsNorm(D)
        self.q, self.k, self.v = LoraLinear(D, D, True), LoraLinear(D, KV * HD, True), LoraLinear(D, KV * HD, True)
        self.o = LoraLinear(D, D, False)
        self.gate, self.up, self.down = LoraLinear(D, a.ffn, False), LoraLinear(D, a.ffn, False), LoraLinear(a.ffn, D, False)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        h = self.attn_norm(x)
        q = rope(self.q(h).view(B, T, H, HD).transpose(1, 2), cos, sin)
        k = rope(self.k(h).view(B, T, KV, HD).transpose(1, 2), cos, sin)
        v = self.v(h).view(B, T, KV, HD).transpose(1, 2)
        k, v = k.repeat_interleave(H // KV, dim=1), v.repeat_interleave(H // KV, dim=1)
        att = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(HD) + mask, dim=-1)
        x = x + self.o((att @ v).transpose(1, 2).reshape(B, T, D))
        h = self.ffn_norm(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Parameter(torch.randn(a.vocab, D) * 0.02, requires_grad=a.full)
        self.blocks = torch.nn.ModuleList(Block() for _ in range(a.layers))
        self.norm = RmsNorm(D)

    def forward(self, tokens, positions, mask):
        inv = 1.0 / (1e6 ** (torch.arange(0, HD, 2, dtype=torch.float32) / HD))
        ang = positions[:, None].float() * inv[None, :]
        cos, sin = ang.cos(), ang.sin()
        x = self.embed[tokens]
        for b in self.blocks:
            x = b(x, cos, sin, mask)
        return F.linear(self.norm(x), self.embed)  # tied output


model = Model()
total = sum(t.numel() for t in model.parameters())
trainable = [t for t in model.parameters() if t.requires_grad]
n_lora = 0 if a.full else sum(t.numel() for t in trainable)
opt = torch.optim.AdamW(trainable, lr=1e-3, weight_decay=0.01)

S, L = a.sequences, a.length
tokens = torch.randint(0, a.vocab, (S, L))
if a.packed:
    T = S * L
    positions = torch.arange(L).repeat(S)
    seq = torch.arange(T) // L
    allowed = (seq[:, None] == seq[None, :]) & (torch.arange(T)[:, None] >= torch.arange(T)[None, :])
    mask = torch.where(allowed, 0.0, float("-inf"))
    inputs, targets = tokens.reshape(1, T), tokens.reshape(1, T)
    keep = (torch.arange(T) % L) != L - 1  # rows that predict a token of the same sequence
else:
    positions = torch.arange(L)
    mask = torch.triu(torch.full((L, L), float("-inf")), 1)
    inputs, targets = tokens, tokens
    keep = None


def loss_fn():
    logits = model(inputs, positions, mask)
    if a.packed:
        rows = logits[0, :-1][keep[:-1]]
        return F.cross_entropy(rows, targets[0, 1:][keep[:-1]])
    return F.cross_entropy(logits[:, :-1].reshape(-1, a.vocab), targets[:, 1:].reshape(-1))


load = lambda: open("/proc/loadavg").read().split()[0]
print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
      f"BLAS: {'openblas' if 'openblas' in torch.__config__.show().lower() else '?'}, load {load()}")
print(f"model: hidden {D}, {a.layers} layers, heads {H}/{KV}, ffn {a.ffn}, vocab {a.vocab}: {total - n_lora:,} frozen parameters "
      f"({(total - n_lora) / 1e6:.1f} M) F32; LoRA rank {a.rank}: {n_lora:,} trainable; batch {S} x {L}{' packed' if a.packed else ''}")
times = []
for step in range(a.warmup + a.steps):
    l0 = load()
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = loss_fn()
    loss.backward()
    opt.step()
    ms = (time.perf_counter() - t0) * 1e3
    print(f"  step {step + 1}{' (warm-up)' if step < a.warmup else ''}: loss {loss.item():.4f}, {ms:.0f} ms, load {l0}")
    if step >= a.warmup:
        times.append(ms)
med = statistics.median(times)
import resource
print(f"torch{' full' if a.full else ' lora'}: median step {med:.0f} ms (min {min(times):.0f}, max {max(times):.0f}) over {a.steps} steps -> {S * L * 1000 / med:.0f} tokens/s; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; load now {load()}")

if os.environ.get("FORWARD"):
    with torch.no_grad():
        ft = []
        for i in range(a.warmup + a.steps):
            t0 = time.perf_counter()
            model(inputs, positions, mask)
            if i >= a.warmup:
                ft.append((time.perf_counter() - t0) * 1e3)
    f = statistics.median(ft)
    print(f"torch forward only: median {f:.0f} ms -> {S * L * 1000 / f:.0f} tokens/s")
