"""Loads adapters written by @peft/lora into Python PEFT and compares the logits.

Usage:
    node --conditions=@peft/source --import tsx packages/lora/tools/export-interop.ts /tmp/interop
    python3 tools/python-peft-interop.py /tmp/interop [report.json]

Each case folder holds the adapters (`default` at the root, others in subfolders) and `expected.json`
(the base model folder, the active adapters, input ids and the logits @peft computed). Prints one row
per case and exits non-zero when a case fails to load or differs by more than 1e-4.
"""
import json
import sys
import warnings
from pathlib import Path

import peft
import torch
import transformers
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification


def run_case(folder: Path) -> dict:
    expected = json.loads((folder / "expected.json").read_text())
    cfg = json.loads((Path(expected["model"]) / "config.json").read_text())
    auto = AutoModelForSequenceClassification if "ForSequenceClassification" in cfg["architectures"][0] else AutoModelForCausalLM
    base = auto.from_pretrained(expected["model"], attn_implementation="eager")
    caught = []
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        model = PeftModel.from_pretrained(base, str(folder), adapter_name="default")
        for name in expected["adapters"][1:]:
            model.load_adapter(str(folder / name), adapter_name=name)
        caught = [str(x.message) for x in w if "peft" in str(x.filename).lower() or "adapter" in str(x.message).lower()]
    model.base_model.set_adapter(expected["active"])
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=torch.tensor(expected["input_ids"])).logits
    ours = torch.tensor(expected["logits"]).reshape(expected["shape"])
    diff = (logits - ours).abs().max().item()
    return {"case": folder.name, "max_abs_diff": diff, "ok": diff <= 1e-4, "warnings": caught}


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
        detail = f"max |diff| {r['max_abs_diff']:.2e}" if "max_abs_diff" in r else r["error"]
        print(f"{status} {r['case']:<34} {detail}" + (f"  warnings: {r['warnings']}" if r.get("warnings") else ""))
    if len(sys.argv) > 2:
        Path(sys.argv[2]).write_text(json.dumps({"peft": peft.__version__, "transformers": transformers.__version__, "rows": rows}, indent=2) + "\n")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
