"""Small trained tokenizers of the three kinds real checkpoints use, with what the Rust `tokenizers`
library and transformers make of sample texts and chat messages.

Writes packages/models/test/fixtures/tokenizers/<kind>/ with tokenizer.json, tokenizer_config.json
and expected.json ({texts: [{text, ids, decoded}], chat: {messages, rendered, ids}}):
  byte-bpe   GPT-2 / LLaMA-3 style byte-level BPE (no unknown tokens), a ChatML template
  wordpiece  BERT style, lower-casing with [CLS] ... [SEP]
  metaspace  SentencePiece-style unigram with the metaspace pre-tokenizer (LLaMA-2 / Mistral style)

Usage: python tools/tokenizer-fixtures.py   (needs tokenizers and transformers)
"""

import json
import pathlib
import shutil

import transformers
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

OUT = pathlib.Path(__file__).resolve().parent.parent / "packages/models/test/fixtures/tokenizers"

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Parameter-efficient fine-tuning trains small adapters on a frozen base model.",
    "LoRA adds low-rank matrices; prefix tuning learns keys and values for every layer.",
    "Über café naïve — résumé, 東京 and 😀 emoji, tabs\tand  double  spaces.",
    "def forward(x):\n    return x @ W.T + b  # 42 ≠ 43",
] * 20

TEXTS = [
    "Hello world",
    "  leading and trailing spaces  ",
    "LoRA adapters on GPT-2, LLaMA and BERT!",
    "Über café naïve — 東京 😀",
    "line one\nline two\ttabbed",
    "numbers 12345 and 3.14159",
    "",
]

CHAT = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "What is LoRA?"},
    {"role": "assistant", "content": "Low-rank adapters."},
    {"role": "user", "content": "And prefix tuning?"},
]

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
LLAMA2 = (
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] | trim + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] | trim + eos_token }}{% elif message['role'] == 'system' %}"
    "{{ '<<SYS>>\n' + message['content'] + '\n<</SYS>>\n\n' }}{% endif %}{% endfor %}"
)


def byte_bpe() -> tuple[Tokenizer, dict]:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer)
    return tok, {"bos_token": "<|endoftext|>", "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "chat_template": CHATML, "padding_side": "left"}


def wordpiece() -> tuple[Tokenizer, dict]:
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=200, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tok.train_from_iterator(CORPUS, trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return tok, {"cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]", "mask_token": "[MASK]", "do_lower_case": True}


def metaspace() -> tuple[Tokenizer, dict]:
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.Replace(" ", "▁")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    trainer = trainers.UnigramTrainer(vocab_size=250, special_tokens=["<unk>", "<s>", "</s>"], unk_token="<unk>")
    tok.train_from_iterator(CORPUS, trainer)
    bos = tok.token_to_id("<s>")
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos)])
    return tok, {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "chat_template": LLAMA2, "padding_side": "right"}


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    for name, build in {"byte-bpe": byte_bpe, "wordpiece": wordpiece, "metaspace": metaspace}.items():
        tok, special = build()
        folder = OUT / name
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, **{k: v for k, v in special.items() if k != "chat_template"})
        if "chat_template" in special:
            fast.chat_template = special["chat_template"]
        fast.save_pretrained(folder)
        reloaded = PreTrainedTokenizerFast.from_pretrained(folder)
        texts = []
        for text in TEXTS:
            ids = reloaded.encode(text)
            texts.append(
                {
                    "text": text,
                    "ids": ids,
                    "ids_without_special": reloaded.encode(text, add_special_tokens=False),
                    "decoded": reloaded.decode(ids),
                    "decoded_skip_special": reloaded.decode(ids, skip_special_tokens=True),
                }
            )
        out = {"transformers": transformers.__version__, "texts": texts}
        if reloaded.chat_template:
            rendered = reloaded.apply_chat_template(CHAT, tokenize=False, add_generation_prompt=True)
            out["chat"] = {"messages": CHAT, "add_generation_prompt": True, "rendered": rendered}
        (folder / "expected.json").write_text(json.dumps(out, ensure_ascii=False, indent=1))
        print(name, sorted(p.name for p in folder.iterdir()))


if __name__ == "__main__":
    main()
