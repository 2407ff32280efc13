"""The PyTorch (CPU) side of `pnpm bench real-models`.

Loads a checkpoint of tools/real-models.py with transformers in f32 and its LoRA adapter with PEFT
(trainable), and trains it with AdamW on the causal-LM loss. argv[1] is the workload as JSON
(`folder`, `batch`, `seq`, `lr`, `weightDecay`, `checkpointing`: gradient checkpointing on). Speaks the protocol of bench/side-by-side/child-peer.ts:
a first line describing the device, then for each `train N` on stdin one JSON line with the
milliseconds of each step, the last loss and the process's peak resident set.
"""
import json
import resource
import sys
import time

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM

W = json.loads(sys.argv[1])


def token_ids(vocab, batch, seq):
    """The same ids as tokenIds in bench/real-models/workload.ts."""
    flat = [((i + 1) * 2654435761) % 2**32 % vocab for i in range(batch * seq)]
    return torch.tensor(flat).view(batch, seq)


def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


try:
    base = AutoModelForCausalLM.from_pretrained(W["folder"], dtype=torch.float32, attn_implementation="sdpa")
    model = PeftModel.from_pretrained(base, W["folder"] + "/adapter", is_trainable=True)
except Exception as e:  # the error goes to the parent as the protocol's error line
    print(json.dumps({"error": f"load: {type(e).__name__}: {e}"}), flush=True)
    sys.exit(1)
if W.get("checkpointing"):
    base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    base.enable_input_require_grads()
model.train()
ids = token_ids(base.config.vocab_size, W["batch"], W["seq"])
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=W["lr"], weight_decay=W["weightDecay"])
last_loss = float("nan")


def train():
    global last_loss
    loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    last_loss = loss.item()


print(json.dumps({"device": f"PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads"}), flush=True)
for line in sys.stdin:
    parts = line.split()
    if not parts or parts[0] == "quit":
        break
    if parts[0] != "train":
        print(json.dumps({"error": f"unknown command {parts[0]} (this peer only trains)"}), flush=True)
        continue
    ms = []
    for _ in range(int(parts[1])):
        t0 = time.perf_counter()
        train()
        ms.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"ms": ms, "loss": last_loss, "peakRssBytes": peak_rss()}), flush=True)
