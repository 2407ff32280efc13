"""Tiny random Mistral, Qwen2 and dynamic-rope LLaMA checkpoints with their logits.

For each: config.json and model.safetensors under packages/models/test/fixtures/llama-<name>/ and
logits.json with the inputs and the eager-attention logits of transformers' *ForCausalLM.

Usage: python tools/llama-family-fixtures.py   (needs torch and transformers)
"""

import json
import pathlib

import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "packages/models/test/fixtures"

COMMON = {
    "vocab_size": 100,
    "hidden_size": 32,
    "intermediate_size": 48,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 64,
    "rms_norm_eps": 1e-6,
    "bos_token_id": 0,
    "eos_token_id": 1,
}

MODELS = {
    # a window of 3 keys on every layer
    "mistral": {"model_type": "mistral", "architectures": ["MistralForCausalLM"], "sliding_window": 3, "rope_theta": 10000.0},
    # q/k/v biases, tied head, a window of 4 keys from layer 1 on
    "qwen2": {
        "model_type": "qwen2",
        "architectures": ["Qwen2ForCausalLM"],
        "tie_word_embeddings": True,
        "use_sliding_window": True,
        "sliding_window": 4,
        "max_window_layers": 1,
        "rope_theta": 1000000.0,
        "eos_token_id": [1, 2],
    },
    # dynamic NTK rope that grows past 6 positions
    "dynamic": {
        "model_type": "llama",
        "architectures": ["LlamaForCausalLM"],
        "max_position_embeddings": 6,
        "rope_scaling": {"rope_type": "dynamic", "factor": 2.0},
        "rope_theta": 10000.0,
    },
}

INPUTS = {
    "input_ids": [[5, 17, 33, 2, 91, 64, 8, 40], [0, 0, 12, 77, 3, 58, 21, 99]],
    "attention_mask": [[1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1, 1]],
}


def make(name, overrides, seed):
    torch.manual_seed(seed)
    fields = {**COMMON, **overrides}
    model_type = fields.pop("model_type")
    config = AutoConfig.for_model(model_type, **fields)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager", dtype=torch.float32)
    with torch.no_grad():
        # larger random weights than the initialiser's, so that every part of the model shows in the logits
        for p in model.parameters():
            p.normal_(0.0, 0.2)
    model.eval()
    folder = FIXTURES / f"llama-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    ids = torch.tensor(INPUTS["input_ids"])
    mask = torch.tensor(INPUTS["attention_mask"])
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask).logits
    out = {
        "transformers": transformers.__version__,
        "inputs": INPUTS,
        "parameters": {k: list(v.shape) for k, v in model.state_dict().items()},
        "logits": logits.tolist(),
    }
    (folder / "logits.json").write_text(json.dumps(out) + "\n")
    print(name, sorted(p.name for p in folder.iterdir()))


def main():
    for i, (name, overrides) in enumerate(MODELS.items()):
        make(name, overrides, 100 + i)


if __name__ == "__main__":
    main()
