"""Tiny random GPT-2, LLaMA and BERT checkpoints at other sizes and settings than the golden fixtures,
saved the ways real checkpoints come (bf16, f16 shards, transformers 5 config layout), with the
logits, losses and greedy generations transformers computes for them.

Writes packages/models/test/fixtures/variants/<name>/ (the save_pretrained folder plus
reference.json). The references are computed in float32 from the weights as saved (a bf16/f16 file is
read back and upcast), with eager attention.

Usage: python tools/model-variant-fixtures.py   (needs torch and transformers)
"""

import json
import pathlib
import shutil

import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSequenceClassification

OUT = pathlib.Path(__file__).resolve().parent.parent / "packages/models/test/fixtures/variants"

VARIANTS = {
    # exact-erf GELU, scores also divided by (layer + 1), an untied head, a wider MLP; saved in bf16
    "gpt2-bf16": {
        "auto": AutoModelForCausalLM,
        "dtype": torch.bfloat16,
        "shard": None,
        "config": {
            "model_type": "gpt2",
            "architectures": ["GPT2LMHeadModel"],
            "vocab_size": 120,
            "n_positions": 40,
            "n_embd": 48,
            "n_layer": 3,
            "n_head": 6,
            "n_inner": 80,
            "activation_function": "gelu",
            "scale_attn_by_inverse_layer_idx": True,
            "tie_word_embeddings": False,
            "embd_pdrop": 0.0,
            "attn_pdrop": 0.0,
            "resid_pdrop": 0.0,
            "bos_token_id": 0,
            "eos_token_id": 1,
            "pad_token_id": 1,
        },
    },
    # multi-query attention (1 KV head), head_dim not hidden/heads, biases everywhere, llama3 rope,
    # a tanh-GELU MLP, a tied head, two eos ids; saved as f16 shards
    "llama-f16-sharded": {
        "auto": AutoModelForCausalLM,
        "dtype": torch.float16,
        "shard": "40KB",
        "config": {
            "model_type": "llama",
            "architectures": ["LlamaForCausalLM"],
            "vocab_size": 90,
            "hidden_size": 48,
            "intermediate_size": 72,
            "num_hidden_layers": 3,
            "num_attention_heads": 4,
            "num_key_value_heads": 1,
            "head_dim": 16,
            "hidden_act": "gelu_pytorch_tanh",
            "attention_bias": True,
            "mlp_bias": True,
            "max_position_embeddings": 64,
            "rms_norm_eps": 1e-5,
            "rope_theta": 5000.0,
            "rope_scaling": {"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0, "high_freq_factor": 2.0, "original_max_position_embeddings": 16},
            "tie_word_embeddings": True,
            "bos_token_id": 0,
            "eos_token_id": [1, 2],
        },
    },
    # a regression head (one label), token types in use, exact GELU replaced by tanh-GELU
    "bert-regression": {
        "auto": AutoModelForSequenceClassification,
        "dtype": torch.float32,
        "shard": None,
        "config": {
            "model_type": "bert",
            "architectures": ["BertForSequenceClassification"],
            "vocab_size": 80,
            "hidden_size": 48,
            "num_hidden_layers": 3,
            "num_attention_heads": 6,
            "intermediate_size": 96,
            "hidden_act": "gelu_new",
            "max_position_embeddings": 40,
            "type_vocab_size": 2,
            "num_labels": 1,
            "hidden_dropout_prob": 0.0,
            "attention_probs_dropout_prob": 0.0,
            "pad_token_id": 0,
        },
    },
}

CAUSAL_INPUTS = {
    "input_ids": [[7, 33, 12, 5, 60, 41, 9, 28, 3], [1, 1, 1, 44, 2, 19, 71, 30, 11]],
    "attention_mask": [[1, 1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1, 1, 1, 1]],
}
SEQCLS_INPUTS = {
    "input_ids": [[2, 17, 40, 9, 33, 3, 61, 8], [2, 25, 14, 3, 0, 0, 0, 0]],
    "attention_mask": [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0, 0]],
    "token_type_ids": [[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 0, 0, 0, 0]],
}


def main() -> None:
    torch.manual_seed(0)
    if OUT.exists():
        shutil.rmtree(OUT)
    for name, spec in VARIANTS.items():
        config = AutoConfig.for_model(**spec["config"])
        config._attn_implementation = "eager"
        model = spec["auto"].from_config(config, attn_implementation="eager")
        with torch.no_grad():
            for p in model.parameters():  # larger weights than the init, so every setting shows in the logits
                p.add_(torch.randn_like(p) * 0.05)
        model = model.to(spec["dtype"])
        folder = OUT / name
        kwargs = {"max_shard_size": spec["shard"]} if spec["shard"] else {}
        model.save_pretrained(folder, safe_serialization=True, **kwargs)
        # the reference: the saved weights, upcast, in float32
        ref = spec["auto"].from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").eval()
        out = {"transformers": transformers.__version__, "torch": torch.__version__}
        if spec["auto"] is AutoModelForCausalLM:
            ids = torch.tensor(CAUSAL_INPUTS["input_ids"])
            mask = torch.tensor(CAUSAL_INPUTS["attention_mask"])
            labels = ids.masked_fill(mask == 0, -100)
            with torch.no_grad():
                res = ref(input_ids=ids, attention_mask=mask, labels=labels)
                gen = ref.generate(input_ids=ids[:, :6], attention_mask=mask[:, :6], max_new_tokens=6, do_sample=False, pad_token_id=1)
            out.update(
                inputs=CAUSAL_INPUTS,
                logits=res.logits.tolist(),
                loss=res.loss.item(),
                generate={"input_ids": ids[:, :6].tolist(), "attention_mask": mask[:, :6].tolist(), "max_new_tokens": 6, "pad_token_id": 1, "sequences": gen.tolist()},
            )
        else:
            inputs = {k: torch.tensor(v) for k, v in SEQCLS_INPUTS.items()}
            labels = torch.tensor([0.5, -1.25])
            with torch.no_grad():
                res = ref(**inputs, labels=labels)
            out.update(inputs=SEQCLS_INPUTS, labels=labels.tolist(), logits=res.logits.tolist(), loss=res.loss.item())
        (folder / "reference.json").write_text(json.dumps(out))
        print(name, sorted(p.name for p in folder.iterdir()))


if __name__ == "__main__":
    main()
