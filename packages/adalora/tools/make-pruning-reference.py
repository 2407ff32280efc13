"""Reference numbers for @peft/adalora's pruning test, made by Hugging Face PEFT.

Trains AdaLoRA on the tiny GPT-2 of packages/models/test/fixtures/gpt2 for total_step steps with
AdamW (lr 1e-2, no weight decay), calling update_and_allocate(step) after every optimizer step, so
that ranks are really pruned (tinit=2, tfinal=3, total_step=16, deltaT=2, init_r=6, target_r=2 on
c_attn and c_fc: budget 24 -> 8). Writes, next to this script, ../test/fixtures/pruning/:

  initial/    the adapter before training (lora_E perturbed to N(0, 0.5), as the golden cases do)
  trained/    save_pretrained after training: tensors sliced by rank_pattern
  reference.json  inputs, per-step losses, budgets and rank patterns, final logits, versions

Run: python3 packages/adalora/tools/make-pruning-reference.py
"""

import json
import os

import peft
import torch
import transformers
from peft import AdaLoraConfig, get_peft_model
from transformers import GPT2LMHeadModel

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "..", "models", "test", "fixtures", "gpt2")
OUT = os.path.join(HERE, "..", "test", "fixtures", "pruning")

torch.manual_seed(0)
torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)

config = AdaLoraConfig(
    init_r=6,
    target_r=2,
    lora_alpha=8,
    tinit=2,
    tfinal=3,
    deltaT=2,
    total_step=16,
    target_modules=["c_attn", "c_fc"],
    task_type="CAUSAL_LM",
)
base = GPT2LMHeadModel.from_pretrained(MODEL, attn_implementation="eager")
base.name_or_path = base.config._name_or_path = "models/gpt2"  # not the local path
model = get_peft_model(base, config)
gen = torch.Generator().manual_seed(1)
with torch.no_grad():
    for name, p in model.named_parameters():
        if "lora_E" in name:
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        elif "lora_A" in name or "lora_B" in name:
            p.copy_(torch.randn(p.shape, generator=gen) * 0.3)
model.save_pretrained(os.path.join(OUT, "initial"))

input_ids = torch.tensor([[83, 22, 8, 3, 94, 27, 41, 70], [15, 34, 19, 48, 20, 53, 56, 88]])
eval_ids = torch.tensor([[5, 17, 42, 8, 61, 3, 77, 29], [90, 12, 33, 7, 54, 21, 66, 2]])
batch = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids), "labels": input_ids}

allocator = model.base_model.rankallocator
trainable = [p for p in model.parameters() if p.requires_grad]
opt = torch.optim.AdamW(trainable, lr=1e-2, weight_decay=0.0)
steps = []
model.train()
for step in range(config.total_step):
    out = model(**batch)
    out.loss.backward()
    opt.step()
    model.base_model.update_and_allocate(step)
    budget, mask_ind = allocator.budget_schedule(step)
    pattern = model.peft_config["default"].rank_pattern
    steps.append(
        {
            "step": step,
            "loss": out.loss.item(),
            "budget": budget,
            "mask_step": bool(mask_ind),
            "rank_pattern": None
            if pattern is None
            else {k.replace(".default", ""): [bool(x) for x in v] for k, v in sorted(pattern.items())},
            "lora_E": {
                n.replace("base_model.model.", "").replace(".default", ""): p.detach().view(-1).tolist()
                for n, p in model.named_parameters()
                if "lora_E" in n
            },
        }
    )
    opt.zero_grad()

model.eval()
with torch.no_grad():
    logits = model(input_ids=eval_ids, attention_mask=torch.ones_like(eval_ids)).logits
model.save_pretrained(os.path.join(OUT, "trained"))

reference = {
    "note": "made by packages/adalora/tools/make-pruning-reference.py; steps[i] is recorded after optimizer step i and update_and_allocate(i)",
    "versions": {"peft": peft.__version__, "torch": torch.__version__, "transformers": transformers.__version__},
    "init_budget": allocator.init_bgt,
    "target_budget": allocator.target_bgt,
    "train_input_ids": input_ids.tolist(),
    "eval_input_ids": eval_ids.tolist(),
    "steps": steps,
    "logits_after_training": logits.tolist(),
}
for sub in ("initial", "trained"):
    os.remove(os.path.join(OUT, sub, "README.md"))  # peft's model card boilerplate
with open(os.path.join(OUT, "reference.json"), "w") as f:
    json.dump(reference, f, indent=1)
    f.write("\n")
print(json.dumps([{k: s[k] for k in ("step", "loss", "budget", "mask_step")} | {"kept": None if s["rank_pattern"] is None else sum(sum(v) for v in s["rank_pattern"].values())} for s in steps], indent=0))
