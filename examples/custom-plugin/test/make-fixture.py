"""Makes test/fixtures/gpt2-vera with Hugging Face PEFT: a VeRA adapter (r=4, random vectors) on the
tiny GPT-2 of packages/models/test/fixtures/gpt2, and its logits with the adapter and merged.
Run from examples/custom-plugin: python3 test/make-fixture.py"""
import json, os, torch
from transformers import GPT2LMHeadModel
from peft import VeraConfig, get_peft_model

out = 'test/fixtures/gpt2-vera'
torch.manual_seed(0)
base = GPT2LMHeadModel.from_pretrained('../../packages/models/test/fixtures/gpt2').eval()
ids = torch.tensor([[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]])
with torch.no_grad():
    base_logits = base(ids).logits
cfg = VeraConfig(r=4, target_modules=['c_attn', 'mlp.c_fc'], init_weights=False, projection_prng_key=7)
peft = get_peft_model(base, cfg).eval()
peft.save_pretrained(out)
with torch.no_grad():
    adapter_logits = peft(ids).logits
    merged = peft.merge_and_unload()
    merged_logits = merged(ids).logits
json.dump({
    'input_ids': ids.tolist(),
    'logits_base': base_logits.flatten().tolist(),
    'logits_adapter': adapter_logits.flatten().tolist(),
    'logits_merged': merged_logits.flatten().tolist(),
}, open(os.path.join(out, 'expected.json'), 'w'))
os.remove(os.path.join(out, 'README.md'))
