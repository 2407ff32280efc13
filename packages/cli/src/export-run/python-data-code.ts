import type { DatasetFormat } from '@peft/train';

/**
 * What the Python data code must handle: the dataset format (inferred from the first record when the
 * config does not say) and whether examples are packed.
 *
 * @example
 * ```ts
 * const need: PythonDataNeeds = { format: 'chat', packing: false };
 * ```
 */
export interface PythonDataNeeds {
  readonly format: DatasetFormat;
  readonly packing: boolean;
}

const READ_RECORDS = String.raw`def read_records(path, split="train"):
    """The records of a data file, as @peft reads them: JSON Lines, CSV (every value a string), plain
    text (one document per paragraph: documents are separated by blank lines) or Parquet."""
    suffix = Path(path).suffix.lower()
    if path.startswith("hf://") or not os.path.exists(path):
        from datasets import load_dataset  # a Hub dataset: a file under hf://datasets/..., or an id

        if path.startswith("hf://"):
            kind = {".jsonl": "json", ".ndjson": "json", ".csv": "csv", ".parquet": "parquet", ".txt": "text"}[suffix]
            return list(load_dataset(kind, data_files=path, split="train"))
        return list(load_dataset(path, split=split))
    if suffix in (".jsonl", ".ndjson"):
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    if suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    if suffix == ".txt":
        with open(path, encoding="utf-8") as f:
            text = f.read().replace("\r\n", "\n")
        return [{"text": doc} for doc in re.split(r"\n[ \t]*\n\s*", text) if doc.strip()]
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    raise ValueError(f"{path}: expected a .jsonl, .ndjson, .csv, .txt or .parquet file")`;

const CAUSAL_HELPERS = String.raw`def with_eos(ids):
    """The ids followed by EOS, unless they already end with it (the model learns to stop)."""
    eos = tokenizer.eos_token_id
    return ids if eos is None or (ids and ids[-1] == eos) else ids + [eos]


def common_prefix(a, b):
    k = 0
    while k < len(a) and k < len(b) and a[k] == b[k]:
        k += 1
    return k`;

const ENCODE_TEXT = String.raw`def encode(record):
    """A document: its ids with the tokenizer's special tokens, then EOS; every token is a label."""
    ids = with_eos(tokenizer(record["text"])["input_ids"])
    return {"input_ids": ids, "labels": list(ids)}`;

const ENCODE_CHAT_SPANS = String.raw`def render(messages, add_generation_prompt=False):
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)


def encode_rendered(messages, spans_of):
    """Renders a conversation with the chat template and encodes it without added special tokens (the
    template writes them). With COMPLETION_ONLY_LOSS only the tokens inside the character spans that
    spans_of(text) gives keep their labels: a token that straddles a span's start is in it, one that
    straddles its end is not."""
    text = render(messages)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids = enc["input_ids"]
    if not COMPLETION_ONLY_LOSS:
        return {"input_ids": ids, "labels": list(ids)}
    spans = spans_of(text)
    labels = [tok if any(start < end_char <= end for start, end in spans) else -100 for tok, (_, end_char) in zip(ids, enc["offset_mapping"])]
    return {"input_ids": ids, "labels": labels}


def span(text, before, upto):
    """Where the turn between two renderings lies in the full text (whitespace after it excluded)."""
    if not text.startswith(before) or not text.startswith(upto):
        raise ValueError("the chat template does not render conversations prefix-wise; assistant-only loss cannot locate the turns")
    return (len(before), len(before) + len(upto[len(before):].rstrip()))`;

const ENCODE_CHAT = String.raw`def encode(record):
    """A conversation through the chat template; with COMPLETION_ONLY_LOSS only assistant turns are labels."""
    messages = record["messages"]
    turns = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    return encode_rendered(messages, lambda text: [span(text, render(messages[:i], True), render(messages[: i + 1])) for i in turns])`;

const ENCODE_PROMPT_COMPLETION = String.raw`def encode(record):
    """A prompt and its completion. Strings: encoded as one text (with special tokens), then EOS; with
    COMPLETION_ONLY_LOSS the tokens the prompt's own encoding shares are not labels. Lists of
    messages: through the chat template, the completion's messages being the labels."""
    prompt, completion = record["prompt"], record["completion"]
    if isinstance(prompt, list):
        messages = prompt + completion
        return encode_rendered(messages, lambda text: [span(text, render(prompt, True), render(messages))])
    ids = with_eos(tokenizer(prompt + completion)["input_ids"])
    start = common_prefix(tokenizer(prompt)["input_ids"], ids) if COMPLETION_ONLY_LOSS else 0
    return {"input_ids": ids, "labels": [-100] * start + ids[start:]}`;

const ENCODE_CLASSIFICATION = String.raw`def encode(record):
    """A text with the tokenizer's special tokens, cut to MAX_LENGTH, and its class id (a class name
    is looked up in LABELS)."""
    enc = tokenizer(record["text"], truncation=MAX_LENGTH is not None, max_length=MAX_LENGTH)
    label = record["label"]
    if isinstance(label, str) and label in LABELS:
        label = LABELS.index(label)
    return {"input_ids": enc["input_ids"], "labels": int(label)}`;

const ENCODE_TOKENIZED = String.raw`def encode(record):
    """Token ids as given; missing labels are the ids, -100 where the attention mask is 0."""
    ids = list(record["input_ids"])
    mask = list(record.get("attention_mask") or [1] * len(ids))
    labels = record.get("labels")
    if labels is None:
        labels = [tok if m else -100 for tok, m in zip(ids, mask)]
    return {"input_ids": ids, "attention_mask": mask, "labels": labels if isinstance(labels, int) else list(labels)}`;

const PACK = String.raw`def pack(examples, block_size):
    """Concatenates the examples' tokens in order (EOS between them) and cuts the stream into blocks of
    block_size tokens; labels travel with their tokens."""
    ids, labels = [], []
    eos = tokenizer.eos_token_id
    for n, ex in enumerate(examples):
        if n > 0 and eos is not None and ids and ids[-1] != eos:
            ids.append(eos)
            labels.append(eos)
        for tok, lab, m in zip(ex["input_ids"], ex["labels"], ex.get("attention_mask") or [1] * len(ex["input_ids"])):
            if m:
                ids.append(tok)
                labels.append(lab)
    return [{"input_ids": ids[s : s + block_size], "labels": labels[s : s + block_size]} for s in range(0, len(ids), block_size)]`;

const PREPARE = String.raw`def prepare(records):
    """Encodes every record, cuts token sequences to MAX_LENGTH, and packs them when PACKING."""
    examples = [encode(r) for r in records]
    if PACKING:
        return pack(examples, MAX_LENGTH)
    if MAX_LENGTH is not None:
        for ex in examples:
            for key in ("input_ids", "attention_mask", "labels"):
                if isinstance(ex.get(key), list):
                    ex[key] = ex[key][:MAX_LENGTH]
    return examples


def collate(batch):
    """Pads a batch on the right: pad ids, attention mask 0, labels -100 (class ids stay as they are)."""
    width = max(len(ex["input_ids"]) for ex in batch)
    pad_id = tokenizer.pad_token_id
    out = {"input_ids": [], "attention_mask": [], "labels": []}
    for ex in batch:
        n = len(ex["input_ids"])
        out["input_ids"].append(ex["input_ids"] + [pad_id] * (width - n))
        out["attention_mask"].append(list(ex.get("attention_mask") or [1] * n) + [0] * (width - n))
        out["labels"].append(ex["labels"] if isinstance(ex["labels"], int) else ex["labels"] + [-100] * (width - n))
    return {k: torch.tensor(v) for k, v in out.items()}`;

/**
 * The Python functions train.py needs to read and encode its data the way @peft's trainer does,
 * only those of the dataset's format: `read_records` (JSON Lines, CSV, paragraphs of plain text,
 * Parquet, Hub datasets), `encode(record)` for the format (EOS after text and completions, prompt
 * tokens unlabelled with completion-only loss, chat templates with assistant-only loss located
 * by rendering prefixes, class ids, pre-tokenized ids), `prepare` (truncation, packing) and `collate`
 * (right padding, -100 labels). They read the module constants `tokenizer`, `COMPLETION_ONLY_LOSS`,
 * `MAX_LENGTH`, `PACKING` and `LABELS`.
 *
 * @example
 * ```ts
 * const code = pythonDataCode({ format: 'prompt_completion', packing: false });
 * code.includes('def encode(record):'); // true
 * ```
 */
export function pythonDataCode(needs: PythonDataNeeds): string {
  const parts = [READ_RECORDS];
  const causal = needs.format !== 'classification' && needs.format !== 'tokenized';
  if (causal) parts.push(CAUSAL_HELPERS);
  if (needs.format === 'chat' || needs.format === 'prompt_completion') parts.push(ENCODE_CHAT_SPANS);
  parts.push({ text: ENCODE_TEXT, chat: ENCODE_CHAT, prompt_completion: ENCODE_PROMPT_COMPLETION, classification: ENCODE_CLASSIFICATION, tokenized: ENCODE_TOKENIZED }[needs.format]);
  if (needs.packing) parts.push(PACK);
  parts.push(PREPARE);
  return `${parts.join('\n\n\n')}\n`;
}
