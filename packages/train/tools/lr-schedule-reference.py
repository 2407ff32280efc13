"""Prints reference learning rates from Hugging Face transformers as JSON.

The lr recorded for step k is the one the optimizer uses on its k-th step (0-based): read from the
param group before optimizer.step(), then scheduler.step(), as transformers' Trainer does.

    python3 packages/train/tools/lr-schedule-reference.py > packages/train/src/schedule/lr-schedule-reference.json
"""

import json
import math

import torch
import transformers
from transformers import TrainingArguments, get_scheduler

CASES = [
    # (type, base_lr, warmup_steps, warmup_ratio, total_steps, steps_to_record)
    ("constant", 1e-3, 0, 0.0, 20, 25),
    ("constant_with_warmup", 1e-3, 5, 0.0, 20, 25),
    ("constant_with_warmup", 3e-4, 0, 0.0, 10, 12),
    ("linear", 1e-3, 0, 0.0, 20, 25),
    ("linear", 5e-5, 7, 0.0, 50, 55),
    ("linear", 2e-4, 0, 0.1, 37, 40),
    ("linear", 1e-3, 30, 0.0, 20, 25),
    ("cosine", 1e-3, 0, 0.0, 20, 25),
    ("cosine", 3e-4, 10, 0.0, 100, 110),
    ("cosine", 1e-4, 0, 0.03, 333, 340),
    ("cosine", 2e-5, 1, 0.0, 1, 3),
]


def warmup_steps(steps: int, ratio: float, total: int) -> int:
    # the rule of TrainingArguments.get_warmup_steps (transformers 4.x): explicit steps win over the ratio
    return steps if steps > 0 else math.ceil(total * ratio)


def record(kind, base_lr, steps, ratio, total, n):
    warm = warmup_steps(steps, ratio, total)
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=base_lr)
    sched = get_scheduler(kind, opt, num_warmup_steps=warm, num_training_steps=total)
    lrs = []
    for _ in range(n):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return {
        "type": kind,
        "baseLr": base_lr,
        "warmupSteps": steps,
        "warmupRatio": ratio,
        "totalSteps": total,
        "resolvedWarmupSteps": warm,
        "lrs": lrs,
    }


# (ratio, total_steps): products like 100 * 0.07 = 7.000000000000001 round up to 8, as in Python
RATIOS = [(0.1, 37), (0.03, 333), (0.07, 100), (0.29, 100), (0.5, 7), (0.05, 1000), (0.0, 50), (0.999, 3)]


def ratio_case(ratio, total):
    # transformers 5 reads a warmup_steps below 1 as a ratio of the total steps
    args = TrainingArguments(output_dir="/tmp/lr-schedule-reference", warmup_steps=ratio, report_to=[])
    return {"warmupRatio": ratio, "totalSteps": total, "warmupSteps": args.get_warmup_steps(total)}


def main():
    out = {
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "cases": [record(*c) for c in CASES],
        "ratios": [ratio_case(*r) for r in RATIOS],
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
