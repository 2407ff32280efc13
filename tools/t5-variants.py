"""Tiny random T5 checkpoints at other settings than the golden t5 fixture, with what transformers
computes for them, and a small T5-style SentencePiece (Unigram) tokenizer.

Writes packages/models/test/fixtures/variants/<name>/ (the save_pretrained folder plus
reference.json) for:

  t5-v1_1-gated   T5 v1.1 / FLAN-T5 layout: gated-GELU feed-forward (wi_0, wi_1, wo), an untied head
                  (no d_model ** -0.5 rescaling), heads * d_kv != d_model
  t5-buckets      original T5 (ReLU, tied head) with 32 buckets, max distance 64, and inputs long enough
                  for the logarithmic buckets and the last bucket
  t5-bf16         FLAN-T5-like, saved in bfloat16 (references from the weights as saved, upcast)
  t5-buckets/buckets.json   transformers' bucket ids for relative positions -300..300 in four settings
  t5-tokenizer    a T5-like model whose vocabulary is a Unigram tokenizer.json made here with the
                  `tokenizers` library (Metaspace, "</s>" appended), for `peft train` on text; its
                  reference.json holds the ids Python's tokenizer gives for a few texts

The files are written directly (safetensors with {"format": "pt"}, config.json in the transformers 4.x
layout) because transformers 5 always ties T5's head. reference.json: the encoder inputs (second row right-padded), decoder inputs, labels (-100 at the
end of the second row), the decoder logits [batch, target, vocab] and loss in float32 with eager
attention, and greedy `generate` on the padded batch (max_new_tokens 8; sequences start with
decoder_start_token_id, finished rows filled with the pad id).

The Unigram trainer is not deterministic across runs: a rerun may write another (self-consistent)
tokenizer.json and reference.json for t5-tokenizer; the weights and the other variants are the same.

Usage: python3 tools/t5-variants.py   (needs torch, transformers and tokenizers)
"""

import json
import pathlib
import shutil

import torch
import transformers
from safetensors.torch import save_file
from transformers import T5Config, T5ForConditionalGeneration

OUT = pathlib.Path(__file__).resolve().parent.parent / "packages/models/test/fixtures/variants"

BASE = {
    "architectures": ["T5ForConditionalGeneration"],
    "model_type": "t5",
    "dropout_rate": 0.0,
    "layer_norm_epsilon": 1e-6,
    "decoder_start_token_id": 0,
    "pad_token_id": 0,
    "eos_token_id": 1,
    "initializer_factor": 1.0,
}

VARIANTS = {
    "t5-v1_1-gated": {
        "dtype": torch.float32,
        "enc_len": 10,
        "dec_len": 6,
        "config": {
            **BASE,
            "vocab_size": 60,
            "d_model": 32,
            "d_kv": 12,
            "d_ff": 40,
            "num_layers": 2,
            "num_heads": 4,
            "relative_attention_num_buckets": 8,
            "relative_attention_max_distance": 16,
            "feed_forward_proj": "gated-gelu",
            "tie_word_embeddings": False,
        },
    },
    "t5-buckets": {
        "dtype": torch.float32,
        "enc_len": 48,
        "dec_len": 24,
        "config": {
            **BASE,
            "vocab_size": 80,
            "d_model": 32,
            "d_kv": 8,
            "d_ff": 48,
            "num_layers": 2,
            "num_heads": 4,
            "relative_attention_num_buckets": 32,
            "relative_attention_max_distance": 64,
            "feed_forward_proj": "relu",
            "tie_word_embeddings": True,
        },
    },
    "t5-bf16": {
        "dtype": torch.bfloat16,
        "enc_len": 9,
        "dec_len": 5,
        "config": {
            **BASE,
            "vocab_size": 70,
            "d_model": 32,
            "d_kv": 8,
            "d_ff": 40,
            "num_layers": 2,
            "num_heads": 4,
            "relative_attention_num_buckets": 16,
            "relative_attention_max_distance": 32,
            "feed_forward_proj": "gated-gelu",
            "tie_word_embeddings": False,
        },
    },
}

CORPUS = [
    "translate English to German: the house is small",
    "translate English to German: the cat sleeps",
    "summarize: the weather is sunny and warm today",
    "question: what colour is the sky? answer: blue",
    "sentiment: i loved this film",
    "sentiment: this was a terrible meal",
    "das Haus ist klein",
    "die Katze schläft",
    "positive",
    "negative",
] * 20


def t5_tokenizer():
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.Replace(" {2,}", " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.UnigramTrainer(vocab_size=120, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>")
    tok.train_from_iterator(CORPUS, trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", tok.token_to_id("</s>"))])
    return tok


def inputs_for(vocab, enc_len, dec_len, g):
    ids = torch.randint(3, vocab, (2, enc_len), generator=g)
    mask = torch.ones(2, enc_len, dtype=torch.long)
    short = enc_len * 2 // 3
    ids[1, short:] = 0
    mask[1, short:] = 0
    dec = torch.randint(3, vocab, (2, dec_len), generator=g)
    dec[:, 0] = 0
    labels = torch.randint(3, vocab, (2, dec_len), generator=g)
    labels[1, dec_len - 2 :] = -100
    return ids, mask, dec, labels


def reference(model, vocab, enc_len, dec_len, seed):
    g = torch.Generator().manual_seed(seed)
    ids, mask, dec, labels = inputs_for(vocab, enc_len, dec_len, g)
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask, decoder_input_ids=dec).logits
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        gen = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=8, do_sample=False, output_scores=True, return_dict_in_generate=True)
    margins = []
    for s in gen.scores:
        top = torch.topk(s, 2, dim=-1).values
        margins.append(float((top[:, 0] - top[:, 1]).min()))
    return {
        "inputs": {"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "decoder_input_ids": dec.tolist()},
        "labels": labels.tolist(),
        "logits": logits.tolist(),
        "loss": float(loss),
        "generate": {
            "input_ids": ids.tolist(),
            "attention_mask": mask.tolist(),
            "max_new_tokens": 8,
            "sequences": gen.sequences.tolist(),
            "min_top2_margin_per_step": margins,
        },
    }


def save(name, config, dtype, enc_len, dec_len, seed, tokenizer=None):
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(T5Config(**config)).eval()
    tied = config["tie_word_embeddings"]
    if not tied:
        # transformers 5 always ties T5's head and only keeps the scaling switch; a v1.1 / FLAN-T5
        # checkpoint has its own lm_head.weight, so give the head its own weights (N(0, 1) as T5 inits it)
        model.lm_head.weight = torch.nn.Parameter(torch.randn(config["vocab_size"], config["d_model"]))
        model.config.scale_decoder_outputs = False
    # the weights as saved (bf16 rounded), computed with in float32
    model = model.to(dtype).to(torch.float32).eval()
    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    skip = {"encoder.embed_tokens.weight", "decoder.embed_tokens.weight"} | ({"lm_head.weight"} if tied else set())
    tensors = {k: v.to(dtype).contiguous() for k, v in model.state_dict().items() if k not in skip}
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    # config.json as transformers 4.x writes it (tie_word_embeddings says whether the head is shared)
    layout = {**config, "is_encoder_decoder": True, "torch_dtype": str(dtype).replace("torch.", ""), "transformers_version": transformers.__version__}
    (folder / "config.json").write_text(json.dumps(dict(sorted(layout.items())), indent=2) + "\n")
    ref = reference(model, config["vocab_size"], enc_len, dec_len, seed)
    ref["versions"] = {"torch": torch.__version__, "transformers": transformers.__version__}
    if tokenizer is not None:
        tokenizer.save(str(folder / "tokenizer.json"))
        # the special tokens as T5TokenizerFast's save_pretrained writes them
        special = {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>", "model_max_length": 512, "tokenizer_class": "T5Tokenizer"}
        (folder / "tokenizer_config.json").write_text(json.dumps(special, indent=2) + "\n")
        texts = ["translate English to German: the cat is small", "sentiment: i loved this meal", "positive"]
        ref["tokenizer"] = [{"text": t, "ids": tokenizer.encode(t).ids} for t in texts]
    (folder / "reference.json").write_text(json.dumps(ref) + "\n")
    print(name, "saved;", "min top-2 margin", min(ref["generate"]["min_top2_margin_per_step"]))


def buckets():
    """transformers' own bucket function over relative positions -300..300, for three settings."""
    from transformers.models.t5.modeling_t5 import T5Attention

    rel = torch.arange(-300, 301)
    out = {"relative_positions": rel.tolist(), "settings": []}
    for bidirectional, num, dist in [(True, 32, 128), (False, 32, 128), (True, 8, 16), (False, 16, 32)]:
        ids = T5Attention._relative_position_bucket(rel, bidirectional=bidirectional, num_buckets=num, max_distance=dist)
        out["settings"].append({"bidirectional": bidirectional, "num_buckets": num, "max_distance": dist, "buckets": ids.tolist()})
    (OUT / "t5-buckets" / "buckets.json").write_text(json.dumps(out) + "\n")


def main():
    for seed, (name, v) in enumerate(VARIANTS.items()):
        save(name, v["config"], v["dtype"], v["enc_len"], v["dec_len"], 100 + seed)
    tok = t5_tokenizer()
    config = {**BASE, "vocab_size": tok.get_vocab_size(), "d_model": 32, "d_kv": 8, "d_ff": 64, "num_layers": 2, "num_heads": 4,
              "relative_attention_num_buckets": 8, "relative_attention_max_distance": 16, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": False}
    save("t5-tokenizer", config, torch.float32, 8, 4, 200, tokenizer=tok)
    buckets()


if __name__ == "__main__":
    main()
