#!/usr/bin/env bash
# The round trip of `peft export-run`, end to end on CPUs (not part of CI: it needs Python with torch,
# transformers, peft and accelerate, e.g. from the local wheel store: pip install -r the exported
# requirements.txt). Every step, on both sides, is one full batch: the round trip trains on the first
# TRAIN_N e-mails of the demo task (@peft: one micro-batch of TRAIN_N; Python: TRAIN_N/2 on each of
# two processes), the model has no dropout, so a step's logged training loss is a function of the
# parameters alone (not of which e-mails a shuffled batch drew) and the two sides' losses are
# comparable. Steps:
#   1. @peft trains (embedded GPT-2, spam/ham e-mails) a run of PEFT_STEPS + PY_STEPS steps and is
#      stopped once it has logged step PEFT_STEPS + 1 (after its checkpoint at step PEFT_STEPS): a run
#      that outgrew its device, moved mid-way;
#   2. export-run exports the run continued from that checkpoint (Python does the PY_STEPS left, on the
#      same learning-rate schedule, logging every step);
#   3. the exported train.py runs on two CPU processes (gloo): `ACCELERATE_USE_CPU=true accelerate
#      launch --multi_gpu --num_processes 2` (`accelerate launch --cpu --num_processes 2` starts only one
#      process unless MPI is set up), evaluating on the demo's held-out e-mails every 10 steps;
#   4. checks:
#      - the checkpoint's held-out loss is the same in Python as in @peft (5%);
#      - Python's first logged loss (step PEFT_STEPS + 1, the loss of the checkpoint's parameters on the
#        training e-mails) equals @peft's loss of that step and the loss one process computes over all
#        training e-mails in one batch (both within 1e-4, relative: the Trainer's logged loss is the
#        mean over every label token of both processes' halves, not process 0's half, nor the plain
#        mean of the two halves' means, which differ from it by 5e-4 and more here), and is within 5% of
#        @peft's last logged loss before the checkpoint (step PEFT_STEPS, one update earlier);
#      - Python's training loss keeps falling (every 10-step mean below the one before), and so does
#        its held-out loss (the last evaluation below the checkpoint's);
#      - the saved adapter gives the same logits in @peft (`peft forward`) as in Python (1e-4);
#      - Python's checkpoint-N folder continues in @peft (`peft train --adapter checkpoint-N`).
# Usage: tools/export-run-roundtrip.sh [WORKDIR]
#   (env: PEFT_STEPS=50 PY_STEPS=30 TRAIN_N=16 LEARNING_RATE=0.001 PYTHON=python3)
# A WORKDIR that already holds the @peft run (its checkpoint and step PEFT_STEPS + 1) reuses it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$(mktemp -d)}
PEFT_STEPS=${PEFT_STEPS:-50}
PY_STEPS=${PY_STEPS:-30}
TRAIN_N=${TRAIN_N:-16}
LEARNING_RATE=${LEARNING_RATE:-0.001}
PYTHON=${PYTHON:-python3}
ASSETS="$ROOT/packages/cli/assets"
peft() { (cd "$ROOT" && node --conditions=@peft/source --import tsx packages/cli/src/bin.ts "$@"); }
mkdir -p "$WORK"
echo "work folder: $WORK"
[ $((TRAIN_N % 2)) -eq 0 ] || { echo "TRAIN_N must be even (two processes take half each)"; exit 1; }

# 1. the @peft run: the demo recipe on the first TRAIN_N e-mails, one full batch a step, without
# evaluation, logging every step, stopped once step PEFT_STEPS + 1 is logged
TOTAL=$((PEFT_STEPS + PY_STEPS))
head -n "$TRAIN_N" "$ASSETS/demo-task/train.jsonl" > "$WORK/train.jsonl"
"$PYTHON" - "$ASSETS" "$WORK" "$TOTAL" "$PEFT_STEPS" "$TRAIN_N" "$LEARNING_RATE" <<'PY'
import json, sys
assets, work, total, save, n, lr = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
cfg = json.load(open(f"{assets}/demo-task/recipe.json"))
assert cfg["method"].get("lora_dropout", 0) == 0, "the round trip needs a recipe without dropout (a step's loss must depend on the parameters alone)"
cfg.update(model=f"{assets}/base-model", output_dir=f"{work}/peft-run", max_steps=total, save_steps=save, logging_steps=1, eval_steps=0,
           per_device_train_batch_size=n, gradient_accumulation_steps=1, learning_rate=lr)
cfg["data"]["train"] = f"{work}/train.jsonl"
json.dump(cfg, open(f"{work}/train.json", "w"), indent=2)
PY
logged() { grep -q "\"step\":$1,.*\"loss\"" "$WORK/peft-run/metrics.jsonl" 2>/dev/null; }
if [ -f "$WORK/peft-run/checkpoint-$PEFT_STEPS/trainer_state.json" ] && logged $((PEFT_STEPS + 1)); then
  echo "reusing the @peft run in $WORK/peft-run"
else
  peft train --config "$WORK/train.json" --backend cpu --quiet &
  TRAIN_PID=$!
  until [ -f "$WORK/peft-run/checkpoint-$PEFT_STEPS/trainer_state.json" ] && logged $((PEFT_STEPS + 1)); do
    kill -0 "$TRAIN_PID" 2>/dev/null || { echo "peft train ended before its checkpoint at step $PEFT_STEPS and step $((PEFT_STEPS + 1))"; exit 1; }
    sleep 2
  done
  pkill -P "$TRAIN_PID" 2>/dev/null || true   # the node process of this run (a child of the subshell)
  wait "$TRAIN_PID" 2>/dev/null || true
fi

# 2. export, continuing from the checkpoint: TRAIN_N/2 e-mails on each of two processes, logging every
# step; Python checkpoints every PY_STEPS/2 steps
EVAL="$ASSETS/demo-task/eval.jsonl"
peft export-run --config "$WORK/train.json" --out "$WORK/python" --num-gpus 2 --per_device_train_batch_size $((TRAIN_N / 2)) \
  --resume "$WORK/peft-run/checkpoint-$PEFT_STEPS" --save_steps $((PY_STEPS / 2)) --logging_steps 1 --eval "$EVAL" --eval_steps 10

# the checkpoint's held-out loss in @peft (one step at learning rate 0 leaves the adapter as it is) and in
# Python; and, in one Python process, its loss over all TRAIN_N training e-mails in one batch
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
batch = train.collate(train.prepare(train.read_records(train.TRAIN_FILE)))
with torch.no_grad():
    loss = model.eval()(**batch).loss.item()  # the mean over every label token of the batch
print(f"python train-set loss {loss!r} over {len(batch['input_ids'])} e-mails")
PY

# 3. the exported run on two CPU processes
(cd "$WORK/python" && OUTPUT_DIR="$WORK/python-out" ACCELERATE_USE_CPU=true "$PYTHON" -m accelerate.commands.launch --multi_gpu --num_processes 2 --num_machines 1 --mixed_precision no --dynamo_backend no train.py) 2>&1 | tee "$WORK/python.log"

# 4a. losses: @peft's logged ones, Python's (from its last checkpoint's log history, unrounded)
"$PYTHON" - "$WORK" "$PEFT_STEPS" "$PY_STEPS" <<'PY'
import json, re, sys
work, steps, py_steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ours = {m["step"]: m["loss"] for m in (json.loads(l) for l in open(f"{work}/peft-run/metrics.jsonl") if l.strip()) if "loss" in m}
history = json.load(open(f"{work}/python-out/checkpoint-{py_steps}/trainer_state.json"))["log_history"]
train_logs = [h for h in history if "loss" in h]
theirs = [h["loss"] for h in train_logs]
evals = [h["eval_loss"] for h in history if "eval_loss" in h]
peft_eval = float(re.search(r"eval loss ([0-9.]+)", open(f"{work}/peft-eval.log").read()).group(1))
log = open(f"{work}/python-eval.log").read()
python_eval = float(re.search(r"python eval loss ([0-9.]+)", log).group(1))
python_full = float(re.search(r"python train-set loss ([0-9.e-]+)", log).group(1))
rel = lambda a, b: abs(a - b) / abs(b)

assert [h["step"] for h in train_logs] == list(range(1, py_steps + 1)), "the Python run did not log every step"
assert all(abs(h["epoch"] - h["step"]) < 1e-6 for h in train_logs), \
    f"the Python run's steps are not one pass over the training e-mails each (two processes' halves): epochs {[h['epoch'] for h in train_logs]}"
print(f"held-out loss of the checkpoint: @peft {peft_eval:.4f}, Python {python_eval:.4f} ({rel(python_eval, peft_eval) * 100:.2f}% apart)")
print(f"Python held-out loss every 10 steps: {[round(x, 4) for x in evals]}")
assert rel(python_eval, peft_eval) < 0.05, "the checkpoint's held-out loss differs by more than 5%"
assert evals[-1] < python_eval, "the held-out loss did not fall in the Python run"

last, after, first = ours[steps], ours[steps + 1], theirs[0]
print(f"@peft training loss, steps {steps - 4}..{steps + 1}: {[round(ours[s], 5) for s in range(steps - 4, steps + 2)]}")
print(f"Python training loss, steps {steps + 1}..{steps + py_steps}: {[round(x, 5) for x in theirs]}")
print(f"the checkpoint's training-set loss: @peft step {steps + 1} {after:.6f}, Python step {steps + 1} (two processes) {first:.6f}, "
      f"Python one process {python_full:.6f} (relative differences {rel(first, after):.1e} and {rel(first, python_full):.1e})")
assert rel(first, after) < 1e-4, "Python's first step does not see the loss @peft has for the same parameters and e-mails"
assert rel(first, python_full) < 1e-4, "Python's logged loss is not the mean over both processes' halves of the training e-mails"
print(f"@peft's last logged loss (step {steps}) {last:.6f}, Python's first (step {steps + 1}) {first:.6f}: {rel(first, last) * 100:.2f}% apart")
assert rel(first, last) < 0.05, "Python's first logged loss is more than 5% from @peft's last"
windows = [sum(theirs[i:i + 10]) / len(theirs[i:i + 10]) for i in range(0, len(theirs), 10)]
rises = sum(b > a for a, b in zip(theirs, theirs[1:]))
print(f"Python's 10-step means: {[round(w, 5) for w in windows]} (steps where the loss rose: {rises} of {len(theirs) - 1})")
assert all(b < a for a, b in zip(windows, windows[1:])) and theirs[-1] < first, "the training loss did not keep falling in the Python run"
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
