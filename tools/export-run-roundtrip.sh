#!/usr/bin/env bash
# The round trip of `peft export-run`, end to end on CPUs (not part of CI: it needs Python with torch,
# transformers, peft and accelerate, e.g. from the local wheel store: pip install -r the exported
# requirements.txt). Steps:
#   1. @peft trains the demo task (embedded GPT-2, spam/ham e-mails) as a run of PEFT_STEPS + PY_STEPS
#      steps, and is stopped once its checkpoint at step PEFT_STEPS is written (a run that outgrew its
#      device, moved mid-way);
#   2. export-run exports the run continued from that checkpoint (Python does the PY_STEPS left, on the
#      same learning-rate schedule);
#   3. the exported train.py runs on two CPU processes (gloo): `ACCELERATE_USE_CPU=true accelerate
#      launch --multi_gpu --num_processes 2` (`accelerate launch --cpu --num_processes 2` starts only one
#      process unless MPI is set up), evaluating on the demo's held-out e-mails every 10 steps;
#   4. checks: the checkpoint's held-out loss is the same in Python as in @peft (5%; the state the
#      Python run starts from), the held-out loss keeps falling in Python (and prints Python's first
#      logged training loss, the mean of its first 10 steps, beside @peft's last 10-step mean: batch
#      noise makes those differ by ~10% at this point of the demo, so they are not asserted), the saved adapter gives the same logits in @peft (`peft forward`) as in Python (1e-4),
#      and Python's checkpoint-N folder continues in @peft (`peft train --adapter checkpoint-N`).
# Usage: tools/export-run-roundtrip.sh [WORKDIR]   (env: PEFT_STEPS=50 PY_STEPS=30 PYTHON=python3)
# A WORKDIR that already holds the @peft checkpoint reuses it.
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

# 1. the @peft run: the demo recipe without evaluation, logging every step, stopped after its checkpoint
TOTAL=$((PEFT_STEPS + PY_STEPS))
"$PYTHON" - "$ASSETS" "$WORK" "$TOTAL" "$PEFT_STEPS" <<'PY'
import json, sys
assets, work, total, save = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cfg = json.load(open(f"{assets}/demo-task/recipe.json"))
cfg.update(model=f"{assets}/base-model", output_dir=f"{work}/peft-run", max_steps=total, save_steps=save, logging_steps=1, eval_steps=0)
cfg["data"]["train"] = f"{assets}/demo-task/train.jsonl"
json.dump(cfg, open(f"{work}/train.json", "w"), indent=2)
PY
if [ -f "$WORK/peft-run/checkpoint-$PEFT_STEPS/trainer_state.json" ]; then
  echo "reusing the @peft run in $WORK/peft-run"
else
  peft train --config "$WORK/train.json" --backend cpu --quiet &
  TRAIN_PID=$!
  while [ ! -f "$WORK/peft-run/checkpoint-$PEFT_STEPS/trainer_state.json" ]; do
    kill -0 "$TRAIN_PID" 2>/dev/null || { echo "peft train ended before its checkpoint at step $PEFT_STEPS"; exit 1; }
    sleep 2
  done
  pkill -P "$TRAIN_PID" 2>/dev/null || true   # the node process of this run (a child of the subshell)
  wait "$TRAIN_PID" 2>/dev/null || true
fi

# 2. export, continuing from the checkpoint; Python checkpoints every PY_STEPS/2 steps
EVAL="$ASSETS/demo-task/eval.jsonl"
peft export-run --config "$WORK/train.json" --out "$WORK/python" --num-gpus 2 \
  --resume "$WORK/peft-run/checkpoint-$PEFT_STEPS" --save_steps $((PY_STEPS / 2)) --logging_steps 10 --eval "$EVAL" --eval_steps 10

# the checkpoint's held-out loss in @peft (one step at learning rate 0 leaves the adapter as it is) and in Python
grep -q "eval loss" "$WORK/peft-eval.log" 2>/dev/null || peft train --config "$WORK/train.json" --method null --adapter "$WORK/peft-run/checkpoint-$PEFT_STEPS" \
  --learning_rate 0 --max_steps 1 --save_steps 0 --eval "$EVAL" --output_dir "$WORK/peft-eval" --backend cpu --quiet | tee "$WORK/peft-eval.log"
"$PYTHON" - "$WORK" "$WORK/peft-run/checkpoint-$PEFT_STEPS" <<'PY' | tee "$WORK/python-eval.log"
import importlib.util, sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments
from peft import PeftModel
work, ckpt = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location("train", f"{work}/python/train.py")
train = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train)
train.tokenizer = AutoTokenizer.from_pretrained(train.MODEL)
model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(train.MODEL, dtype=torch.float32), ckpt)
args = TrainingArguments(output_dir=f"{work}/python-eval", per_device_eval_batch_size=16, report_to="none", use_cpu=True)
metrics = Trainer(model=model, args=args, data_collator=train.collate).evaluate(train.prepare(train.read_records(train.EVAL_FILE)))
print(f"python eval loss {metrics['eval_loss']:.6f}")
PY

# 3. the exported run on two CPU processes
(cd "$WORK/python" && OUTPUT_DIR="$WORK/python-out" ACCELERATE_USE_CPU=true "$PYTHON" -m accelerate.commands.launch --multi_gpu --num_processes 2 --num_machines 1 --mixed_precision no --dynamo_backend no train.py) 2>&1 | tee "$WORK/python.log"

# 4a. losses: @peft's last logged, Python's logged ones
"$PYTHON" - "$WORK" "$PEFT_STEPS" <<'PY'
import json, re, sys
work = sys.argv[1]
steps = int(sys.argv[2])
ours = [json.loads(l) for l in open(f"{work}/peft-run/metrics.jsonl") if l.strip()]
ours = [m["loss"] for m in ours if "loss" in m and m["step"] <= steps]
log = open(f"{work}/python.log").read()
theirs = [float(x) for x in re.findall(r"'loss': '?([0-9.]+)", log)]
evals = [float(x) for x in re.findall(r"'eval_loss': '?([0-9.]+)", log)]
peft_eval = float(re.search(r"eval loss ([0-9.]+)", open(f"{work}/peft-eval.log").read()).group(1))
python_eval = float(re.search(r"python eval loss ([0-9.]+)", open(f"{work}/python-eval.log").read()).group(1))
assert "'epoch': '0.6'" in log or "'epoch': 0.6" in log, "the Python run did not train on two processes' batches (epoch 0.6 after 30 steps of 2 x 8)"
print(f"held-out loss of the checkpoint: @peft {peft_eval:.4f}, Python {python_eval:.4f} ({abs(peft_eval - python_eval) / peft_eval * 100:.2f}% apart)")
print(f"Python held-out loss every 10 steps: {evals}")
assert abs(peft_eval - python_eval) / peft_eval < 0.05, "the checkpoint's held-out loss differs by more than 5%"
assert evals[-1] < python_eval, "the held-out loss did not fall in the Python run"
last, first = sum(ours[-10:]) / 10, theirs[0]
print(f"@peft losses (mean of each 10 steps): {[round(sum(ours[i:i + 10]) / 10, 4) for i in range(0, len(ours), 10)]}")
print(f"Python losses (every 10 steps): {[round(x, 4) for x in theirs]}")
print(f"@peft's last {last:.4f}, Python's first {first:.4f}: {abs(first - last) / last * 100:.2f}% apart")
# reported, not asserted: these are means of 10 training batches each (different batches on each side),
# whose noise at this point of the demo exceeds 5% (compare @peft's own last two windows); the held-out
# loss above is the like-for-like comparison
print(f"(@peft's own last two 10-step windows: {sum(ours[-20:-10]) / 10:.4f}, {last:.4f})")
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
