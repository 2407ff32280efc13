#!/usr/bin/env bash
# The round trip of `peft export-run`, end to end on CPUs (not part of CI: it needs Python with torch,
# transformers, peft and accelerate, e.g. from the local wheel store: pip install -r the exported
# requirements.txt). Steps:
#   1. @peft trains the demo task (embedded GPT-2, spam/ham e-mails) for PEFT_STEPS steps, checkpoint at the end;
#   2. export-run exports the run continued from that checkpoint to PEFT_STEPS + PY_STEPS steps;
#   3. the exported train.py runs with `accelerate launch --cpu --num_processes 2` (two processes, gloo);
#   4. checks: Python's first logged loss is within 5% of @peft's last, the loss keeps falling, the saved
#      adapter gives the same logits in @peft (`peft forward`) as in Python (1e-4), and Python's
#      checkpoint-N folder continues in @peft (`peft train --adapter checkpoint-N`).
# Usage: tools/export-run-roundtrip.sh [WORKDIR]   (env: PEFT_STEPS=50 PY_STEPS=30 PYTHON=python3)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$(mktemp -d)}
PEFT_STEPS=${PEFT_STEPS:-50}
PY_STEPS=${PY_STEPS:-30}
PYTHON=${PYTHON:-python3}
ASSETS="$ROOT/packages/cli/assets"
peft() { (cd "$ROOT" && node --conditions=@peft/source --import tsx packages/cli/src/bin.ts "$@"); }
mkdir -p "$WORK"
echo "work folder: $WORK"

# 1. the @peft run: the demo recipe without evaluation, a checkpoint at its last step
"$PYTHON" - "$ASSETS" "$WORK" "$PEFT_STEPS" <<'PY'
import json, sys
assets, work, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
cfg = json.load(open(f"{assets}/demo-task/recipe.json"))
cfg.update(model=f"{assets}/base-model", output_dir=f"{work}/peft-run", max_steps=steps, save_steps=steps, logging_steps=10, eval_steps=0)
cfg["data"]["train"] = f"{assets}/demo-task/train.jsonl"
json.dump(cfg, open(f"{work}/train.json", "w"), indent=2)
PY
peft train --config "$WORK/train.json" --backend cpu --quiet

# 2. export, continuing from the checkpoint to PEFT_STEPS + PY_STEPS steps, Python checkpoints every PY_STEPS/2
TOTAL=$((PEFT_STEPS + PY_STEPS))
peft export-run --config "$WORK/train.json" --out "$WORK/python" --num-gpus 2 \
  --resume "$WORK/peft-run/checkpoint-$PEFT_STEPS" --max_steps "$TOTAL" --save_steps $((PY_STEPS / 2)) --logging_steps 10

# 3. the exported run on two CPU processes
(cd "$WORK/python" && OUTPUT_DIR="$WORK/python-out" accelerate launch --cpu --num_processes 2 --num_machines 1 --mixed_precision no --dynamo_backend no train.py) 2>&1 | tee "$WORK/python.log"

# 4a. losses: @peft's last logged, Python's logged ones
"$PYTHON" - "$WORK" <<'PY'
import json, re, sys
work = sys.argv[1]
ours = [json.loads(l) for l in open(f"{work}/peft-run/metrics.jsonl") if '"loss"' in l]
ours = [m for m in ours if "eval_loss" not in m and "loss" in m]
theirs = [float(x) for x in re.findall(r"'loss': '?([0-9.]+)", open(f"{work}/python.log").read())]
last, first = ours[-1]["loss"], theirs[0]
print(f"@peft losses (every 10 steps): {[round(m['loss'], 4) for m in ours]}")
print(f"Python losses (every 10 steps): {[round(x, 4) for x in theirs]}")
print(f"@peft's last {last:.4f}, Python's first {first:.4f}: {abs(first - last) / last * 100:.2f}% apart")
assert abs(first - last) / last < 0.05, "Python's first loss is more than 5% away from @peft's last"
assert theirs[-1] < theirs[0], "the loss did not fall in the Python run"
PY

# 4b. logits of the adapter Python saved: in Python and in @peft
"$PYTHON" - "$WORK" "$ASSETS" <<'PY'
import json, sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from peft import PeftModel
work, assets = sys.argv[1], sys.argv[2]
tok = AutoTokenizer.from_pretrained(f"{assets}/base-model")
ids = tok("Subject: cheap meds online, limited offer\nLabel:")["input_ids"]
json.dump({"input_ids": [ids]}, open(f"{work}/batch.json", "w"))
model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(f"{assets}/base-model", dtype=torch.float32), f"{work}/python-out").eval()
with torch.no_grad():
    logits = model(input_ids=torch.tensor([ids])).logits
json.dump({"shape": list(logits.shape), "logits": logits.tolist()}, open(f"{work}/python-logits.json", "w"))
PY
peft forward --model "$ASSETS/base-model" --adapter "$WORK/python-out" --input "$WORK/batch.json" --json --backend cpu > "$WORK/peft-logits.json"
"$PYTHON" - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
a, b = json.load(open(f"{work}/python-logits.json")), json.load(open(f"{work}/peft-logits.json"))
flat = lambda x: [v for r in x for v in (flat(r) if isinstance(r, list) else [r])] if isinstance(x, list) else [x]
fa, fb = flat(a["logits"]), flat(b["logits"])
assert len(fa) == len(fb), (a["shape"], b["shape"])
diff = max(abs(x - y) for x, y in zip(fa, fb))
print(f"logits of the Python-trained adapter, @peft vs Python: max |diff| {diff:.2e} over {len(fa)} values")
assert diff < 1e-4
PY

# 4c. Python's checkpoint continues in @peft
CKPT=$(ls -d "$WORK/python-out"/checkpoint-* | sort -V | tail -1)
ls "$CKPT"
peft train --config "$WORK/train.json" --method null --adapter "$CKPT" --output_dir "$WORK/back" --max_steps 10 --save_steps 0 --backend cpu --quiet
echo "round trip passed"
