"""Reference numbers for the LLaMA rotary embedding variants.

Builds transformers' LlamaRotaryEmbedding for a few small configs (one per rope_type, in the
transformers 4 `rope_scaling` and the transformers 5 `rope_parameters` layouts) and records the
initial inverse frequencies, the attention scaling, and cos/sin for per-row position ids.

Usage: python tools/llama-rope-fixtures.py  (writes packages/models/test/fixtures/llama-rope.json)
Needs torch and transformers (`pip install torch transformers`).
"""

import json
import pathlib

import torch
import transformers
from transformers import LlamaConfig
from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding

OUT = pathlib.Path(__file__).resolve().parent.parent / "packages/models/test/fixtures/llama-rope.json"

BASE = {
    "model_type": "llama",
    "vocab_size": 100,
    "hidden_size": 64,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "intermediate_size": 64,
    "num_hidden_layers": 1,
    "max_position_embeddings": 32,
}

SHORT = [1.0, 1.05, 1.1, 1.3, 1.6, 2.0, 2.5, 3.0]
LONG = [1.0, 1.2, 1.5, 2.0, 3.0, 4.5, 6.0, 8.0]

CASES = [
    ("default", {"rope_theta": 10000.0}),
    ("default theta 500000 (transformers 5 layout)", {"rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}}),
    ("linear", {"rope_theta": 10000.0, "rope_scaling": {"type": "linear", "factor": 2.5}}),
    ("linear (transformers 5 layout)", {"rope_parameters": {"rope_type": "linear", "rope_theta": 10000.0, "factor": 2.5}}),
    ("dynamic within max positions", {"rope_theta": 10000.0, "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}}),
    ("dynamic beyond max positions", {"rope_theta": 10000.0, "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}}, 40),
    ("dynamic factor 3 beyond", {"rope_theta": 1000.0, "rope_scaling": {"rope_type": "dynamic", "factor": 3.0}}, 90),
    (
        "llama3",
        {
            "rope_theta": 500000.0,
            "max_position_embeddings": 128,
            "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 16},
        },
    ),
    ("yarn", {"rope_theta": 10000.0, "max_position_embeddings": 64, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 16}}),
    (
        "yarn with mscale and betas",
        {
            "rope_theta": 10000.0,
            "max_position_embeddings": 64,
            "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 16, "mscale": 0.707, "mscale_all_dim": 1.0, "beta_fast": 16, "beta_slow": 2},
        },
    ),
    (
        "yarn with attention_factor, no truncation",
        {
            "rope_theta": 10000.0,
            "max_position_embeddings": 64,
            "rope_parameters": {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0, "original_max_position_embeddings": 16, "attention_factor": 1.25, "truncate": False},
        },
    ),
    (
        "longrope short",
        {"rope_theta": 10000.0, "max_position_embeddings": 64, "rope_scaling": {"rope_type": "longrope", "short_factor": SHORT, "long_factor": LONG, "original_max_position_embeddings": 16}},
    ),
    (
        "longrope long",
        {"rope_theta": 10000.0, "max_position_embeddings": 64, "rope_scaling": {"rope_type": "longrope", "short_factor": SHORT, "long_factor": LONG, "original_max_position_embeddings": 16}},
        50,
    ),
    (
        "longrope with top-level original_max_position_embeddings and factor",
        {
            "rope_theta": 10000.0,
            "max_position_embeddings": 64,
            "original_max_position_embeddings": 16,
            "rope_scaling": {"type": "longrope", "short_factor": SHORT, "long_factor": LONG, "factor": 2.0},
        },
        30,
    ),
]


def positions(top: int) -> list[list[int]]:
    """Two rows of 6 positions that differ per row and reach `top`."""
    return [[0, 1, 2, 3, 4, 5], [top - 5, top - 4, top - 3, top - 2, top - 1, top]]


def run(name, overrides, top=12):
    config_json = {**BASE, **overrides}
    config = LlamaConfig(**json.loads(json.dumps(config_json)))
    rotary = LlamaRotaryEmbedding(config)
    init_inv = rotary.inv_freq.clone()
    init_scaling = float(rotary.attention_scaling)
    pos = torch.tensor(positions(top), dtype=torch.int64)
    x = torch.zeros(2, pos.shape[1], BASE["hidden_size"], dtype=torch.float32)
    with torch.no_grad():
        cos, sin = rotary(x, pos)
    return {
        "name": name,
        "config": config_json,
        "position_ids": pos.tolist(),
        "inv_freq": init_inv.tolist(),
        "attention_scaling": init_scaling,
        "inv_freq_used": rotary.inv_freq.tolist(),
        "cos": cos.tolist(),
        "sin": sin.tolist(),
    }


def main():
    cases = [run(*c) for c in CASES]
    meta = {"transformers": transformers.__version__, "torch": torch.__version__, "cases": cases}
    OUT.write_text(json.dumps(meta) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
