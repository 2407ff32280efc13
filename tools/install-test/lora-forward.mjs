// Run inside a scratch project where only the packed @peft/core, @peft/models and @peft/lora are
// installed (tools/install-test.sh): what a user who installs just these gets. A LoRA adapter on a
// tiny random GPT-2, on the CPU backend: no-op at initialisation, a trained-looking adapter changes the
// logits, its files load back into a fresh model and give the same logits, merging keeps them.
import { MethodRegistry, PeftModel, createCpuBackend, fromArray, manualSeed, memorySource, noGrad, setBackend } from '@peft/core';
import { createModel } from '@peft/models';
import { lora, loraConfig } from '@peft/lora';

const backend = createCpuBackend();
setBackend(backend);
const registry = new MethodRegistry();
registry.register(lora);
const config = {
  architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', activation_function: 'gelu_new', n_embd: 16, n_head: 2, n_layer: 2,
  n_positions: 32, vocab_size: 64, n_inner: null, attn_pdrop: 0, embd_pdrop: 0, resid_pdrop: 0, layer_norm_epsilon: 1e-5,
};
const base = () => {
  manualSeed(0);
  const m = createModel(config, { backend });
  m.eval();
  return m;
};
const inputIds = fromArray([1, 2, 3, 4, 5, 6, 7, 8], [2, 4], { dtype: 'i32', backend });
const logits = async (m) => Float32Array.from(await noGrad(() => m.forward({ inputIds }).logits).data());
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const check = (ok, what) => {
  if (!ok) throw new Error(`install test: ${what}`);
  console.log(`ok: ${what}`);
};

const before = await logits(base());
const peft = new PeftModel(base(), { registry, warn: () => {} });
await peft.addAdapter('default', loraConfig({ r: 4, targetModules: ['c_attn'] }));
check(maxDiff(await logits(peft), before) === 0, 'a new LoRA adapter leaves the logits unchanged');

const random = new PeftModel(base(), { registry, warn: () => {} });
await random.addAdapter('default', loraConfig({ r: 4, targetModules: ['c_attn', 'c_fc'], initLoraWeights: 'gaussian' }));
for (const [name, p] of random.namedParameters()) if (name.includes('lora_B')) p.assign(p.add(0.1));
const adapted = await logits(random);
check(maxDiff(adapted, before) > 1e-4, `a non-zero adapter changes the logits (max |Δ| ${maxDiff(adapted, before).toFixed(4)})`);

const files = await random.adapterFiles();
const loaded = await PeftModel.fromPretrained(base(), memorySource({ 'adapter_config.json': files.config, 'adapter_model.safetensors': files.weights }), { registry, warn: () => {} });
check(maxDiff(await logits(loaded), adapted) === 0, 'the saved adapter loads into a fresh model with identical logits');
const merged = loaded.mergeAndUnload();
check(maxDiff(await logits(merged), adapted) < 1e-4, 'merging keeps the logits');
console.log(`install test passed: ${backend.constructor.name}, logits [2, 4, 64]`);
