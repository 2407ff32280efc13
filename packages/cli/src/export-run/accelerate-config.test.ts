import { describe, expect, it } from 'vitest';
import { accelerateConfigYaml } from './accelerate-config.js';

/** The top-level `key: value` pairs and nested sections of the YAML (two-space indentation). */
function readYaml(text: string): Record<string, string | Record<string, string>> {
  const out: Record<string, string | Record<string, string>> = {};
  let section: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = /^( *)([\w]+):(?: (.*))?$/.exec(line);
    expect(m, `a YAML mapping line: ${line}`).not.toBeNull();
    const [, indent, key, value] = m!;
    if (indent === '') {
      if (value === undefined) out[key] = section = {};
      else [out[key], section] = [value, undefined];
    } else {
      expect(indent).toBe('  ');
      section![key] = value;
    }
  }
  return out;
}

const opts = { numProcesses: 4, gradientAccumulationSteps: 2, maxGradNorm: 1 };

describe('accelerateConfigYaml', () => {
  it('launches data parallel processes by default (one process: no distribution)', () => {
    const y = readYaml(accelerateConfigYaml({ kind: 'ddp' }, opts));
    expect(y).toMatchObject({ distributed_type: 'MULTI_GPU', num_processes: '4', num_machines: '1', mixed_precision: "'no'", use_cpu: 'false' });
    expect(readYaml(accelerateConfigYaml({ kind: 'ddp' }, { ...opts, numProcesses: 1 })).distributed_type).toBe('NO');
  });

  it('shards whole transformer blocks with FSDP', () => {
    const y = readYaml(accelerateConfigYaml({ kind: 'fsdp' }, opts));
    expect(y.distributed_type).toBe('FSDP');
    expect(y.fsdp_config).toMatchObject({ fsdp_auto_wrap_policy: 'TRANSFORMER_BASED_WRAP', fsdp_sharding_strategy: 'FULL_SHARD', fsdp_use_orig_params: 'false', fsdp_state_dict_type: 'SHARDED_STATE_DICT' });
  });

  it('gives DeepSpeed the ZeRO stage and the run\'s accumulation and clipping', () => {
    for (const stage of [2, 3] as const) {
      const y = readYaml(accelerateConfigYaml({ kind: 'deepspeed', stage }, { ...opts, maxGradNorm: null }));
      expect(y.distributed_type).toBe('DEEPSPEED');
      expect(y.deepspeed_config).toMatchObject({ zero_stage: String(stage), gradient_accumulation_steps: '2', gradient_clipping: '0', zero3_init_flag: String(stage === 3) });
    }
  });
});
