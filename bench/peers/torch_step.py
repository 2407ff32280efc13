"""The PyTorch (CPU) side of `pnpm bench side-by-side`.

The same GPT-2-shaped decoder with LoRA r=8 on the attention's qkv and output projections, AdamW and
the causal-LM loss, written with plain torch ops. It reads commands on stdin, one per line
(`train N`, `forward unmerged N`, `forward merged N`, `generate N`, `quit`), and answers each with one
JSON line: the milliseconds of each repetition and the last loss. The first line it prints describes
the device.
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

W = json.loads(sys.argv[1])
torch.manual_seed(0)
d, H, V, T, B, R = W["dModel"], W["heads"], W["vocab"], W["seq"], W["batch"], W["rank"]
dh = d // H
scale = W["alpha"] / R


def normal(*shape):
    return torch.randn(*shape) * 0.02


class Lora(torch.nn.Module):
    """A frozen Conv1D-style linear (weight [in, out]) with a LoRA pair beside it."""

    def __init__(self, fan_in, fan_out):
        super().__init__()
        self.weight = torch.nn.Parameter(normal(fan_in, fan_out), requires_grad=False)
        self.bias = torch.nn.Parameter(torch.zeros(fan_out), requires_grad=False)
        bound = 1 / math.sqrt(fan_in)
        self.A = torch.nn.Parameter(torch.empty(R, fan_in).uniform_(-bound, bound))
        self.B = torch.nn.Parameter(torch.zeros(fan_out, R))
        self.merged = None

    def forward(self, x):
        if self.merged is not None:
            return x @ self.merged + self.bias
        return x @ self.weight + self.bias + (x @ self.A.t()) @ self.B.t() * scale


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = torch.nn.LayerNorm(d)
        self.ln2 = torch.nn.LayerNorm(d)
        self.qkv = Lora(d, 3 * d)
        self.out = Lora(d, d)
        self.fc = torch.nn.Parameter(normal(d, W["inner"]), requires_grad=False)
        self.fcb = torch.nn.Parameter(torch.zeros(W["inner"]), requires_grad=False)
        self.proj = torch.nn.Parameter(normal(W["inner"], d), requires_grad=False)
        self.projb = torch.nn.Parameter(torch.zeros(d), requires_grad=False)
        for p in [*self.ln1.parameters(), *self.ln2.parameters()]:
            p.requires_grad_(False)

    def forward(self, h, cache=None):
        b, t, _ = h.shape
        q, k, v = self.qkv(self.ln1(h)).view(b, t, 3, H, dh).permute(2, 0, 3, 1, 4)
        if cache is not None:
            if "k" in cache:
                k = torch.cat([cache["k"], k], 2)
                v = torch.cat([cache["v"], v], 2)
            cache["k"], cache["v"] = k, v
        s = k.shape[2]
        att = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        causal = torch.ones(t, s, dtype=torch.bool).tril(s - t)
        att = att.masked_fill(~causal, float("-inf")).softmax(-1)
        ctx = (att @ v).transpose(1, 2).reshape(b, t, d)
        h = h + self.out(ctx)
        return h + F.gelu(self.ln2(h) @ self.fc + self.fcb, approximate="tanh") @ self.proj + self.projb


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = torch.nn.Parameter(normal(V, d), requires_grad=False)
        self.wpe = torch.nn.Parameter(normal(W["positions"], d), requires_grad=False)
        self.blocks = torch.nn.ModuleList(Block() for _ in range(W["layers"]))
        self.lnf = torch.nn.LayerNorm(d)
        for p in self.lnf.parameters():
            p.requires_grad_(False)

    def forward(self, ids, start=0, caches=None):
        h = self.wte[ids] + self.wpe[start : start + ids.shape[1]]
        for i, blk in enumerate(self.blocks):
            h = blk(h, caches[i] if caches is not None else None)
        return self.lnf(h) @ self.wte.t()


model = Model()
ids = torch.randint(0, V, (B, T), generator=torch.Generator().manual_seed(7))
prompts = torch.randint(0, V, (B, W["genPrompt"]), generator=torch.Generator().manual_seed(9))
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=W["lr"], weight_decay=W["weightDecay"])
loras = [m for m in model.modules() if isinstance(m, Lora)]
last_loss = float("nan")


def train():
    global last_loss
    logits = model(ids)
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    last_loss = loss.item()


def merge(merged):
    """Merges the adapters into copies of the base weights (W + scale·Aᵀ·Bᵀ), or drops the copies."""
    with torch.no_grad():
        for m in loras:
            m.merged = (m.weight + (m.A.t() @ m.B.t()) * scale) if merged else None


def forward():
    with torch.no_grad():
        model(ids)


def generate():
    with torch.no_grad():
        caches = [{} for _ in model.blocks]
        logits = model(prompts, 0, caches)
        pos = prompts.shape[1]
        for _ in range(W["genNew"]):
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            logits = model(nxt, pos, caches)
            pos += 1


def timed(fn, n):
    ms = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1000)
    return ms


print(json.dumps({"device": f"PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads"}), flush=True)
for line in sys.stdin:
    parts = line.split()
    if not parts or parts[0] == "quit":
        break
    n = int(parts[-1])
    if parts[0] == "train":
        ms = timed(train, n)
    elif parts[0] == "forward":
        merge(parts[1] == "merged")
        ms = timed(forward, n)
        merge(False)
    elif parts[0] == "generate":
        ms = timed(generate, n)
    else:
        print(json.dumps({"error": f"unknown command {parts[0]}"}), flush=True)
        continue
    print(json.dumps({"ms": ms, "loss": last_loss}), flush=True)
