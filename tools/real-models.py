"""Real-size checkpoints with random weights, and the reference numbers @peft is checked against.

For GPT-2 small, SmolLM2-135M, Qwen2.5-0.5B and a Llama-3.2-1B-shaped model it writes, under the
output folder (default /tmp/peft-real-models, or $PEFT_REAL_MODELS):

  <name>/config.json              the Hub model's config.json field for field ("torch_dtype": "bfloat16")
  <name>/model.safetensors        random weights (seeded), stored in bf16 as the Hub's are
  <name>/tokenizer.json, tokenizer_config.json
                                  a small byte-level BPE tokenizer (the repository's test fixture; its
                                  ids fit every vocabulary; the benchmarks and parity check use ids only)
  <name>/adapter/                 a PEFT LoRA adapter (r 8, alpha 16, on q_proj/v_proj, GPT-2: c_attn)
                                  whose B matrices are random too, so the adapter changes the output
  <name>/reference.json           computed by transformers + PEFT in f32 on the bf16 weights, dropout
                                  off (eval mode, also for the training step): logits of
                                  the base model and of the model with the adapter at a few positions
                                  and vocabulary columns (the last columns included, where a tensor
                                  split at the device's binding limit would go wrong), the log-sum-exp
                                  of those rows, the causal-LM loss of the first LoRA step and the
                                  loss after one AdamW step

The weights are not the trained ones (no network here, and the shapes are what matters for memory
and speed); the configs are the published ones. Not part of CI: run it by hand, then
`node --conditions=@peft/source --import tsx tools/real-models-parity.ts` and
`pnpm bench real-models`.

Usage: python3 tools/real-models.py [--out DIR] [--models smollm2-135m,gpt2 ...] [--force]
Needs torch, transformers and peft (the versions are recorded in reference.json).
"""

import argparse
import gc
import json
import os
import pathlib
import shutil
import time

import peft
import torch
import transformers
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOKENIZER = ROOT / "packages/models/test/fixtures/tokenizers/byte-bpe"
DEFAULT_OUT = os.environ.get("PEFT_REAL_MODELS", "/tmp/peft-real-models")

# The published config.json of each model (Hub ids in the comments), minus fields that only name the
# transformers version that wrote them.
CONFIGS = {
    # openai-community/gpt2
    "gpt2": {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.1,
        "bos_token_id": 50256,
        "embd_pdrop": 0.1,
        "eos_token_id": 50256,
        "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05,
        "model_type": "gpt2",
        "n_ctx": 1024,
        "n_embd": 768,
        "n_head": 12,
        "n_layer": 12,
        "n_positions": 1024,
        "resid_pdrop": 0.1,
        "summary_activation": None,
        "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True,
        "summary_type": "cls_index",
        "summary_use_proj": True,
        "task_specific_params": {"text-generation": {"do_sample": True, "max_length": 50}},
        "torch_dtype": "bfloat16",
        "vocab_size": 50257,
    },
    # HuggingFaceTB/SmolLM2-135M
    "smollm2-135m": {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 0,
        "eos_token_id": 0,
        "hidden_act": "silu",
        "hidden_size": 576,
        "initializer_range": 0.041666666666666664,
        "intermediate_size": 1536,
        "is_llama_config": True,
        "max_position_embeddings": 8192,
        "model_type": "llama",
        "num_attention_heads": 9,
        "num_hidden_layers": 30,
        "num_key_value_heads": 3,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_interleaved": False,
        "rope_scaling": None,
        "rope_theta": 100000,
        "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
        "use_cache": True,
        "vocab_size": 49152,
    },
    # Qwen/Qwen2.5-0.5B
    "qwen2.5-0.5b": {
        "architectures": ["Qwen2ForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": 151643,
        "eos_token_id": 151643,
        "hidden_act": "silu",
        "hidden_size": 896,
        "initializer_range": 0.02,
        "intermediate_size": 4864,
        "max_position_embeddings": 32768,
        "max_window_layers": 24,
        "model_type": "qwen2",
        "num_attention_heads": 14,
        "num_hidden_layers": 24,
        "num_key_value_heads": 2,
        "rms_norm_eps": 1e-06,
        "rope_theta": 1000000.0,
        "sliding_window": 32768,
        "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
        "use_cache": True,
        "use_sliding_window": False,
        "vocab_size": 151936,
    },
    # meta-llama/Llama-3.2-1B
    "llama3.2-1b": {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 128000,
        "eos_token_id": 128001,
        "head_dim": 64,
        "hidden_act": "silu",
        "hidden_size": 2048,
        "initializer_range": 0.02,
        "intermediate_size": 8192,
        "max_position_embeddings": 131072,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": 32,
        "num_hidden_layers": 16,
        "num_key_value_heads": 8,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": {
            "factor": 32.0,
            "high_freq_factor": 4.0,
            "low_freq_factor": 1.0,
            "original_max_position_embeddings": 8192,
            "rope_type": "llama3",
        },
        "rope_theta": 500000.0,
        "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
        "use_cache": True,
        "vocab_size": 128256,
    },
}

# What the adapter targets: LLaMA-family q and v projections, GPT-2's fused qkv.
TARGETS = {"gpt2": ["c_attn"]}
LORA = {"r": 8, "lora_alpha": 16, "lora_dropout": 0.0}
ADAMW = {"lr": 1e-3, "weight_decay": 0.01, "betas": [0.9, 0.999], "eps": 1e-8}
# the batch the reference numbers are taken on: BATCH rows of SEQ tokens
BATCH, SEQ = 2, 32
# logit rows kept: these positions of every row
POSITIONS = [0, SEQ // 2, SEQ - 1]
# std of the random LoRA B matrices (PEFT starts them at zero, which would hide the adapter)
B_STD = 0.05


def token_batch(vocab, seed):
    """Seeded ids over the whole vocabulary, the last ids of the vocabulary among them."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vocab, (BATCH, SEQ), generator=g)
    ids[0, 1], ids[0, 2], ids[1, 3] = vocab - 1, vocab - 2, vocab - 3
    return ids


def logit_columns(vocab):
    """64 evenly spread vocabulary columns, then the last eight."""
    cols = sorted({round(i * (vocab - 1) / 63) for i in range(64)} | set(range(vocab - 8, vocab)))
    return cols


def randomize(model, seed):
    """Gives the norms and biases random values as well, so that every tensor shows in the logits."""
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() != 1:
                continue
            noise = torch.randn(p.shape, generator=g)
            if "bias" in name:
                p.copy_(0.02 * noise)
            else:
                p.copy_(1 + 0.1 * noise)


def write_checkpoint(name, folder, seed):
    """config.json (the Hub's fields), model.safetensors in bf16, and a tokenizer."""
    config = CONFIGS[name]
    torch.manual_seed(seed)
    hf_config = transformers.AutoConfig.for_model(**{k: v for k, v in config.items() if k not in ("architectures", "torch_dtype")})
    model = AutoModelForCausalLM.from_config(hf_config, dtype=torch.float32)
    randomize(model, seed)
    model = model.to(torch.bfloat16)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True, max_shard_size="20GB")
    del model
    gc.collect()
    # the published config, not transformers' re-serialisation (which renames fields in version 5)
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(TOKENIZER / f, folder / f)


def rows(logits, cols):
    """The kept positions of every row: the chosen columns and the log-sum-exp of the whole row."""
    out = []
    for b in range(BATCH):
        for t in POSITIONS:
            row = logits[b, t]
            out.append({"row": b, "position": t, "values": row[cols].tolist(), "logsumexp": torch.logsumexp(row, 0).item()})
    return out


def reference(name, folder, seed):
    """Loads the bf16 checkpoint in f32 and writes the adapter and reference.json."""
    config = CONFIGS[name]
    vocab = config["vocab_size"]
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    n_params = sum(p.numel() for p in model.parameters())
    ids = token_batch(vocab, seed)
    cols = logit_columns(vocab)
    with torch.no_grad():
        base = rows(model(input_ids=ids).logits, cols)

    targets = TARGETS.get(name, ["q_proj", "v_proj"])
    torch.manual_seed(seed + 2)
    lora = LoraConfig(task_type="CAUSAL_LM", target_modules=targets, **LORA)
    pm = get_peft_model(model, lora)
    g = torch.Generator().manual_seed(seed + 3)
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if "lora_B" in n:
                p.copy_(B_STD * torch.randn(p.shape, generator=g))
    adapter = folder / "adapter"
    pm.save_pretrained(adapter)

    # eval mode throughout: GPT-2's config has dropout 0.1, which would make the numbers random
    pm.eval()
    out = pm(input_ids=ids, labels=ids)
    adapted = rows(out.logits.detach(), cols)
    loss0 = out.loss.item()
    out.loss.backward()
    params = [p for p in pm.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=ADAMW["lr"], weight_decay=ADAMW["weight_decay"], betas=tuple(ADAMW["betas"]), eps=ADAMW["eps"])
    opt.step()
    opt.zero_grad()
    with torch.no_grad():
        loss1 = pm(input_ids=ids, labels=ids).loss.item()

    ref = {
        "model": name,
        "generated_by": "tools/real-models.py",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
        "seed": seed,
        "note": "transformers + PEFT in f32 on the bf16 weights (eager attention)",
        "parameters": n_params,
        "input_ids": ids.tolist(),
        "columns": cols,
        "base_logits": base,
        "adapter_logits": adapted,
        "lora": {"target_modules": targets, **LORA, "b_std": B_STD},
        "adamw": ADAMW,
        "loss_first_step": loss0,
        "loss_after_one_step": loss1,
    }
    (folder / "reference.json").write_text(json.dumps(ref) + "\n")
    return ref


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT}, or $PEFT_REAL_MODELS)")
    ap.add_argument("--models", default=",".join(CONFIGS), help=f"comma-separated subset of {', '.join(CONFIGS)}")
    ap.add_argument("--force", action="store_true", help="rewrite checkpoints that already exist")
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        ap.error(f"unknown model {', '.join(unknown)}; choose from {', '.join(CONFIGS)}")
    for name in names:
        folder = pathlib.Path(args.out) / name
        t0 = time.time()
        if args.force or not (folder / "model.safetensors").exists():
            write_checkpoint(name, folder, args.seed)
        ref = reference(name, folder, args.seed)
        print(
            f"{name}: {folder} ({time.time() - t0:.0f} s); loss {ref['loss_first_step']:.5f} -> {ref['loss_after_one_step']:.5f} after one AdamW step",
            flush=True,
        )
        gc.collect()


if __name__ == "__main__":
    main()
