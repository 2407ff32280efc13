"""Checks that Python's transformers and tokenizers read the embedded base model as we do.

    python3 tools/pretrain/check-transformers.py [packages/cli/assets/base-model]

Runs export-reference.ts on the CPU and the WebGPU backend (token ids and logits of a few texts),
then loads the folder with AutoTokenizer, tokenizers.Tokenizer and AutoModelForCausalLM and compares:
ids and decoded text must be identical, logits within 1e-4 (max abs difference). Exits 1 on a
mismatch.
"""
import json
import os
import subprocess
import sys
import tempfile

import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
base = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "packages/cli/assets/base-model"))
TOLERANCE = 1e-4

tok = AutoTokenizer.from_pretrained(base)
raw = Tokenizer.from_file(os.path.join(base, "tokenizer.json"))
model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
model.eval()
print(f"transformers: {type(model).__name__}, {sum(p.numel() for p in model.parameters())} parameters; tokenizer {type(tok).__name__}, vocab {len(tok)}")
assert tok.eos_token == tok.bos_token == tok.pad_token == "<|endoftext|>", "special tokens"
assert model.config.eos_token_id == tok.eos_token_id, "eos ids of config and tokenizer"

failed = False
for flag in ["--cpu", ""]:
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "ref.json")
        cmd = ["node", "--conditions=@peft/source", "--import", "tsx", "tools/pretrain/export-reference.ts", "--base", base, "--out", out]
        subprocess.run(cmd + ([flag] if flag else []), cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
        ref = json.load(open(out))
    worst = 0.0
    for row in ref["rows"]:
        ids_hf = tok(row["text"])["input_ids"]
        ids_raw = raw.encode(row["text"]).ids
        if ids_hf != row["ids"] or ids_raw != row["ids"]:
            print(f"  token ids differ for {row['text'][:40]!r}: ours {row['ids'][:12]}, transformers {ids_hf[:12]}, tokenizers {ids_raw[:12]}")
            failed = True
        if tok.decode(row["ids"]) != row["decoded"]:
            print(f"  decode differs for {row['text'][:40]!r}")
            failed = True
        with torch.no_grad():
            logits = model(torch.tensor([row["ids"]])).logits[0].reshape(-1)
        diff = (logits - torch.tensor(row["logits"])).abs().max().item()
        worst = max(worst, diff)
    print(f"{ref['backend']}: {len(ref['rows'])} texts, ids and decoding identical: {not failed}, max |logits difference| {worst:.2e}")
    failed = failed or worst > TOLERANCE
print("FAILED" if failed else "OK: transformers and tokenizers agree with @peft/models")
sys.exit(1 if failed else 0)
