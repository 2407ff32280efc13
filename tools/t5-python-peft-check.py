"""Loads T5 adapters trained and saved by @peft into Python PEFT and compares the decoder logits.

Usage:
    (cd packages/cli && node --conditions=@peft/source --import tsx tools/t5-interop-export.ts /tmp/t5-interop)
    python3 tools/t5-python-peft-check.py /tmp/t5-interop [report.json]

Each case folder holds one adapter (adapter_config.json, adapter_model.safetensors) and expected.json
(the base model folder, encoder and decoder input ids, and the logits @peft computed). Prints one row
per case and exits non-zero when a case fails to load or differs by more than 1e-4.
"""
import json
import sys
from pathlib import Path

import peft
import torch
import transformers
from peft import PeftModel
from transformers import T5ForConditionalGeneration


# peft 0.21's PeftModelForSeq2SeqLM keeps a reference to a generation helper that transformers 5.18
# no longer has; this check runs forwards only, so a stand-in is enough
if not hasattr(T5ForConditionalGeneration, "_prepare_encoder_decoder_kwargs_for_generation"):
    T5ForConditionalGeneration._prepare_encoder_decoder_kwargs_for_generation = lambda self, *a, **k: k


def run_case(folder: Path) -> dict:
    expected = json.loads((folder / "expected.json").read_text())
    base = T5ForConditionalGeneration.from_pretrained(expected["model"], attn_implementation="eager")
    model = PeftModel.from_pretrained(base, str(folder)).eval()
    with torch.no_grad():
        logits = model(input_ids=torch.tensor(expected["input_ids"]), decoder_input_ids=torch.tensor(expected["decoder_input_ids"])).logits
    ours = torch.tensor(expected["logits"]).reshape(expected["shape"])
    diff = (logits - ours).abs().max().item()
    config = json.loads((folder / "adapter_config.json").read_text())
    return {"case": folder.name, "peft_type": config["peft_type"], "task_type": config["task_type"], "max_abs_diff": diff, "ok": diff <= 1e-4}


def main() -> int:
    root = Path(sys.argv[1])
    rows = []
    for folder in sorted(p for p in root.iterdir() if (p / "expected.json").exists()):
        try:
            rows.append(run_case(folder))
        except Exception as e:  # report the load error as a failed row
            rows.append({"case": folder.name, "ok": False, "error": f"{type(e).__name__}: {e}"})
    print(f"peft {peft.__version__}, transformers {transformers.__version__}, torch {torch.__version__}")
    for r in rows:
        status = "ok  " if r["ok"] else "FAIL"
        detail = f"{r['peft_type']:<14} max |diff| {r['max_abs_diff']:.2e}" if "max_abs_diff" in r else r["error"]
        print(f"{status} {r['case']:<16} {detail}")
    if len(sys.argv) > 2:
        Path(sys.argv[2]).write_text(json.dumps({"peft": peft.__version__, "transformers": transformers.__version__, "rows": rows}, indent=2) + "\n")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
