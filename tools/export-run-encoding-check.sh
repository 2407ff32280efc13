#!/usr/bin/env bash
# Checks that the train.py `peft export-run` writes encodes every data format exactly as @peft does
# (not part of CI: needs Python with transformers). For text, prompt/completion (strings and
# conversations, completion-only loss on and off), chat (assistant-only loss on and off),
# classification and pre-tokenized records, @peft's ids and labels (tools/export-run-encodings.ts)
# are compared with the exported encode() on the embedded GPT-2 tokenizer given a ChatML template.
# Usage: tools/export-run-encoding-check.sh [WORKDIR]   (env: PYTHON=python3)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$(mktemp -d)}
PYTHON=${PYTHON:-python3}
node_ts() { (cd "$ROOT" && node --conditions=@peft/source --import tsx "$@"); }
mkdir -p "$WORK"
rm -rf "$WORK/model" && cp -r "$ROOT/packages/cli/assets/base-model" "$WORK/model"
"$PYTHON" - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
p = f"{work}/model/tokenizer_config.json"
c = json.load(open(p))
c["chat_template"] = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
json.dump(c, open(p, "w"))
msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Is this spam? Win a prize now!"}, {"role": "assistant", "content": "spam"}, {"role": "user", "content": "And: meeting at 3pm?"}, {"role": "assistant", "content": " ham, café ☕"}]
data = {
    "text": [{"text": "Once upon a time,\nthere was a model."}, {"text": "Ünïcode and  spaces  "}],
    "prompt_completion": [{"prompt": "Subject: hello\nLabel:", "completion": " ham"}, {"prompt": "Free $$$", "completion": "spam!"}],
    "prompt_completion_chat": [{"prompt": msgs[:2], "completion": msgs[2:3]}, {"prompt": msgs[1:4], "completion": msgs[4:5]}],
    "chat": [{"messages": msgs}, {"messages": msgs[1:3]}],
    "classification": [{"text": "Win a prize now", "label": "spam"}, {"text": "see you at 3", "label": "ham"}],
    "tokenized": [{"input_ids": [5, 6, 7, 8], "attention_mask": [1, 1, 1, 0]}, {"input_ids": [9, 10], "labels": [-100, 10]}],
}
for name, rows in data.items():
    with open(f"{work}/{name}.jsonl", "w") as f:
        f.write("".join(json.dumps(r) + "\n" for r in rows))
PY
for spec in text:0 prompt_completion:0 prompt_completion:1 prompt_completion_chat:0 prompt_completion_chat:1 chat:0 chat:1 classification:0 tokenized:0; do
  name=${spec%:*}; only=${spec#*:}; format=${name%_chat}
  labels=""; [ "$format" = classification ] && labels="ham,spam"
  node_ts tools/export-run-encodings.ts "$WORK/model" "$WORK/$name.jsonl" "$format" "$only" $labels > "$WORK/$name-$only.peft.json"
  cfg="$WORK/$name-$only.json"
  printf '{"model": "%s", "method": {"peft_type": "LORA", "target_modules": ["c_attn"]}, "data": {"train": "%s", "format": "%s", "completion_only_loss": %s%s}, "output_dir": "%s/out", "max_steps": 1}\n' \
    "$WORK/model" "$WORK/$name.jsonl" "$format" "$([ "$only" = 1 ] && echo true || echo false)" "$([ -n "$labels" ] && echo ", \"labels\": [\"ham\", \"spam\"]")" "$WORK" > "$cfg"
  node_ts packages/cli/src/bin.ts export-run --config "$cfg" --out "$WORK/py-$name-$only" > /dev/null
  "$PYTHON" - "$WORK" "$name" "$only" <<'PY'
import importlib.util, json, sys
from transformers import AutoTokenizer
work, name, only = sys.argv[1], sys.argv[2], sys.argv[3]
spec = importlib.util.spec_from_file_location("train", f"{work}/py-{name}-{only}/train.py")
train = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train)
train.tokenizer = AutoTokenizer.from_pretrained(train.MODEL)
ours = json.load(open(f"{work}/{name}-{only}.peft.json"))
theirs = [train.encode(r) for r in train.read_records(train.TRAIN_FILE)]
for k, (a, b) in enumerate(zip(ours, theirs)):
    assert a["input_ids"] == b["input_ids"], (name, k, a["input_ids"], b["input_ids"])
    assert a["labels"] == b["labels"], (name, k, a["labels"], b["labels"])
assert len(ours) == len(theirs)
print(f"{name} (completion_only_loss {only == '1'}): {len(ours)} records encode the same ({sum(len(e['input_ids']) for e in ours)} tokens)")
PY
done
echo "encoding check passed"
