import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Backend, MethodRegistry, PeftModel, memorySource, noGrad, parseSafetensors } from '@peft/core';
import { parseStrictJson, svd } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { generate } from '@peft/models';
import { FIXTURE_TOLERANCE, caseDir, flat, intTensor, loadFixtureModel, meaningful, readCaseTensors, readFixtureCase } from '@peft/testing';
import { lora, loraConfig } from './index.js';
import type { LoraLinear } from './lora-linear.js';

const backends = await testBackends();
const registry = new MethodRegistry().register(lora);
const quiet = { registry, warn: () => {} };

async function loadCase(name: string, backend: Backend): Promise<PeftModel> {
  const c = readFixtureCase(name);
  return PeftModel.fromPretrained(await loadFixtureModel(c.model as string, backend), caseDir(name), quiet);
}

/** The rank-k truncation of a host matrix, through the SVD. */
function truncate(m: Float64Array, rows: number, cols: number, k: number): Float64Array {
  const { u, s, vt } = svd(m, rows, cols);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    let acc = 0;
    for (let r = 0; r < k; r++) acc += u[i * Math.min(rows, cols) + r] * s[r] * vt[r * cols + j];
    out[i * cols + j] = acc;
  }
  return out;
}

describe.each(backends)('LoRA golden cases beyond the standard ones on $name', ({ backend }) => {
  describe.each(['gpt2_lora_multi_adapter', 'llama_lora_multi_adapter'])('%s', (name) => {
    const c = readFixtureCase(name);
    const ids = () => ({ inputIds: intTensor(c.inputs.input_ids, backend), attentionMask: intTensor(c.inputs.attention_mask, backend) });
    const logitsOf = async (peft: PeftModel) => readF64(noGrad(() => peft.forward(ids()).logits));
    const twoAdapters = async () => {
      const peft = await loadCase(name, backend);
      await peft.loadAdapter(join(caseDir(name), 'other'), 'other');
      return peft.eval();
    };

    it('loads the default adapter and the other one from its subfolder, each reproducing its logits', async () => {
      const peft = await twoAdapters();
      for (const a of ['default', 'other']) {
        peft.setAdapter(a);
        expectClose(await logitsOf(peft), flat(c.logits[a]), FIXTURE_TOLERANCE.logits, `${name} ${a}`);
      }
      expectClose(await readF64(noGrad(() => peft.disableAdapter(() => peft.forward(ids()).logits))), flat(c.logits_base), FIXTURE_TOLERANCE.logits, 'disabled');
    });

    it.each(['linear', 'cat'] as const)('combines adapters with %s weighting as PEFT does (delta weights, logits, saved files)', async (kind) => {
      const peft = await twoAdapters();
      await peft.addWeightedAdapter(['default', 'other'], [0.7, 0.3], kind, kind);
      peft.setAdapter(kind);
      expectClose(await logitsOf(peft), flat(c.logits[kind]), FIXTURE_TOLERANCE.logits, `${name} ${kind} logits`);
      const deltas = readCaseTensors(name, 'delta_weights.safetensors', backend);
      for (const [path, layer] of peft.layers()) {
        const expected = deltas.get(`${kind}.${path}`);
        if (!expected) continue;
        expectClose(await readF64(noGrad(() => (layer as LoraLinear).deltaWeight(kind))), await readF64(expected), FIXTURE_TOLERANCE.mergedWeights, `${kind} delta of ${path}`);
      }
      const ours = await peft.adapterFiles(kind);
      const theirs = parseSafetensors(readFileSync(join(caseDir(name), 'weighted', kind, 'adapter_model.safetensors')));
      const mine = parseSafetensors(ours.weights);
      expect([...mine.tensors].map(([k, t]) => [k, t.shape])).toEqual([...theirs.tensors].map(([k, t]) => [k, t.shape]));
      const cfg = parseStrictJson(ours.config, 'ours') as Map<string, unknown>;
      expect([cfg.get('r'), cfg.get('lora_alpha')]).toEqual([c.weighted[kind].resulting_r, c.weighted[kind].resulting_lora_alpha]);
      expect([...(cfg.get('target_modules') as string[])].sort()).toEqual([...(c.weighted[kind].resulting_target_modules as string[])].sort());
    });

    it('combines adapters with svd as PEFT 0.21 does: the best rank-3 approximation of the weighted sum of deltas', async () => {
      const peft = await twoAdapters();
      await peft.addWeightedAdapter(['default', 'other'], [0.7, 0.3], 'svd', 'svd', { svdRank: 3 });
      const deltas = readCaseTensors(name, 'delta_weights.safetensors', backend);
      let checked = 0;
      for (const [path, layer] of peft.layers()) {
        if (!layer.hasAdapter('svd')) continue;
        const parts = ['default', 'other'].map((a) => deltas.get(`${a}.${path}`));
        const d = (layer as LoraLinear).deltaWeight('svd');
        const [rows, cols] = d.shape as [number, number];
        const sum = new Float64Array(rows * cols);
        for (const [i, w] of [0.7, 0.3].entries()) {
          if (!parts[i]) continue;
          const v = await readF64(parts[i]);
          for (let j = 0; j < sum.length; j++) sum[j] += w * v[j];
        }
        expectClose(await readF64(noGrad(() => d)), truncate(sum, rows, cols, 3), { atol: 1e-5, rtol: 0 }, `svd delta of ${path}`);
        checked++;
      }
      expect(checked).toBe(c.model === 'gpt2' ? 4 : 8);
    });

    it("loads PEFT 0.15.2's svd file (scaling applied twice) and reproduces its logits", async () => {
      const peft = await twoAdapters();
      await peft.loadAdapter(join(caseDir(name), 'weighted', 'svd'), 'svd');
      peft.setAdapter('svd');
      expectClose(await logitsOf(peft), flat(c.logits.svd), FIXTURE_TOLERANCE.logits, 'svd logits');
    });
  });

  describe.each(['gpt2_lora_pad_left', 'gpt2_lora_pad_right', 'llama_lora_pad_left', 'llama_lora_pad_right', 'bert_lora_pad_right'])('%s', (name) => {
    it('reproduces the padded batch at its real positions and the masked loss', async () => {
      const c = readFixtureCase(name);
      const peft = (await loadCase(name, backend)).eval();
      const mask = c.inputs.attention_mask as number[][];
      const labels = Array.isArray(c.labels[0]) ? intTensor(c.labels as number[][], backend) : intTensor(c.labels as number[], backend);
      const out = noGrad(() => peft.forward({ inputIds: intTensor(c.inputs.input_ids, backend), attentionMask: intTensor(mask, backend), labels }));
      const logits = await readF64(out.logits);
      if (c.model === 'bert') expectClose(logits, flat(c.logits_adapter), FIXTURE_TOLERANCE.logits, 'bert logits');
      else expectClose(meaningful(logits, mask, 100), meaningful(flat(c.logits_adapter), mask, 100), FIXTURE_TOLERANCE.logits, 'padded logits');
      // with left padding the last padded position predicts the first real token, so the loss takes in
      // logits at a padded position, which differ between attention implementations (never train that way)
      if (c.inputs.padding_side !== 'left') expectClose(await readF64(out.loss!), [c.loss_adapter], FIXTURE_TOLERANCE.firstLoss, 'loss');
      if (c.position_ids_mask_derived) {
        const withPos = noGrad(() =>
          peft.forward({ inputIds: intTensor(c.inputs.input_ids, backend), attentionMask: intTensor(mask, backend), positionIds: intTensor(c.position_ids_mask_derived, backend) }).logits,
        );
        expectClose(meaningful(await readF64(withPos), mask, 100), meaningful(flat(c.logits_adapter_with_position_ids), mask, 100), FIXTURE_TOLERANCE.logits, 'with positions');
      }
    });
  });

  describe.each(['gpt2_lora_generate', 'llama_lora_generate'])('%s', (name) => {
    it('generates the recorded greedy tokens with the adapter, the base tokens when disabled, and in a left-padded batch', async () => {
      const c = readFixtureCase(name);
      const peft = (await loadCase(name, backend)).eval();
      const run = (ids: number[][], mask?: number[][]) => generate(peft, ids, { maxNewTokens: 8, attentionMask: mask });
      expect((await run(c.inputs.input_ids)).sequences).toEqual(c.with_adapter.sequences);
      const base = new Promise<number[][]>((resolve, reject) => {
        // generation is asynchronous, so the base model runs through an unloaded copy rather than disableAdapter
        loadFixtureModel(c.model as string, backend).then((m) => generate(m, c.inputs.input_ids, { maxNewTokens: 8 })).then((r) => resolve(r.sequences), reject);
      });
      expect(await base).toEqual(c.base_model.sequences);
      expect((await run(c.left_padded_inputs.input_ids, c.left_padded_inputs.attention_mask)).sequences).toEqual(c.left_padded_with_adapter.sequences);
    });
  });

  describe('llama_lora_rank_pattern_order_bug', () => {
    it('reads rank_pattern in file order and explains the size mismatch of a file saved with re-sorted keys', async () => {
      await expect(loadCase('llama_lora_rank_pattern_order_bug', backend)).rejects.toThrow(/has shape \[3, 32\] in the file, the adapter expects \[6, 32\]; rank_pattern keys are applied in file order/);
    });

    it('keeps rank_pattern in its given order when saving, so the adapter reloads with the same ranks', async () => {
      const c = readFixtureCase('llama_lora_rank_pattern_order_bug');
      const model = await loadFixtureModel('llama', backend);
      const pattern = Object.fromEntries(c.rank_pattern_as_passed as [string, number][]);
      const peft = new PeftModel(model, quiet);
      await peft.addAdapter('default', loraConfig({ r: 4, targetModules: ['q_proj', 'v_proj'], rankPattern: pattern as never, initLoraWeights: false }));
      const files = await peft.adapterFiles();
      const again = await PeftModel.fromPretrained(await loadFixtureModel('llama', backend), memorySource({ 'adapter_config.json': files.config, 'adapter_model.safetensors': files.weights }), quiet);
      const ranks = Object.fromEntries(again.layers().map(([p, l]) => [p, (l as LoraLinear).adapterState('default').get('lora_A.weight')!.shape[0]]));
      expect(ranks).toEqual(Object.fromEntries(Object.entries(c.ranks_at_creation as Record<string, { r: number }>).map(([k, v]) => [k, v.r])));
    });
  });
});
