import { execFile } from 'node:child_process';
import { writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, fixtureModel, jsonFile, run, scratchDir } from './test-support/harness.js';

describe('peft', () => {
  it('prints the command list for --help', async () => {
    const { code, stdout, stderr } = await run('--help');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Usage: peft <command> \[options\]/);
    for (const name of ['forward', 'generate', 'inspect']) expect(stdout).toMatch(new RegExp(`\\n  ${name} +\\S`));
  });

  it.each(['forward', 'generate', 'inspect'])('prints the usage of %s for "<command> --help" and "help <command>"', async (name) => {
    const a = await run(name, '--help');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(new RegExp(`^Usage: peft ${name} `));
    expect((await run('help', name)).stdout).toBe(a.stdout);
  });

  it('prints the usage on stderr with exit code 2 when called without a command', async () => {
    const { code, stdout, stderr } = await run();
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Usage: peft/);
  });

  it('rejects an unknown command with exit code 2', async () => {
    const { code, stderr } = await run('fly');
    expect(code).toBe(2);
    expect(stderr).toBe('peft: unknown command "fly"; the commands are train, demo, forward, generate, inspect, merge, push, export-run, methods\nRun "peft --help" (or "peft <command> --help") for usage.\n');
  });

  it('rejects an unknown flag with exit code 2, naming it', async () => {
    const { code, stderr } = await run('inspect', 'dir', '--colour');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^peft: inspect: Unknown option '--colour'\n/);
  });

  it('rejects a flag without its value and a stray argument', async () => {
    expect((await run('forward', '--model')).stderr).toMatch(/^peft: forward: Option '--model <value>' argument missing/);
    const stray = await run('forward', 'extra');
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/^peft: forward: unexpected argument "extra"/);
  });

  it('reports a checkpoint of an unknown architecture with exit code 1 and no stack trace', async () => {
    const dir = scratchDir();
    copyFileSync(join(fixtureModel('gpt2'), 'model.safetensors'), join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ architectures: ['MambaForCausalLM'], model_type: 'mamba' }));
    const { code, stdout, stderr } = await run('forward', '--model', dir, '--input', jsonFile({ input_ids: [[1]] }), '--backend', 'cpu');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^peft: .*config\.json: unsupported model: architectures \["MambaForCausalLM"\]; supported architectures are .*GPT2LMHeadModel/);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('adds the stack trace with --verbose', async () => {
    const { code, stderr } = await run('inspect', '/nonexistent/model', '--verbose');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^peft: \/nonexistent\/model\/config\.json: not found/);
    expect(stderr).toMatch(/\n {4}at /);
  });
});

describe('the peft executable', () => {
  it('runs from source through the root "pnpm peft" script, with only the help text on stdout', async () => {
    const { stdout, stderr } = await promisify(execFile)('pnpm', ['-s', 'peft', '--help'], { cwd: ROOT });
    expect(stdout).toMatch(/^Usage: peft <command> \[options\]\n/);
    expect(stderr).toBe('');
  });

  it('exits promptly after a WebGPU (or fallback) forward pass, its JSON alone on stdout', async () => {
    const input = jsonFile({ input_ids: [[1, 2, 3]] });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@peft/source', '--import', 'tsx', 'packages/cli/src/bin.ts', 'forward', '--model', fixtureModel('gpt2'), '--input', input, '--json'],
      { cwd: ROOT, timeout: 30_000 },
    );
    expect(JSON.parse(stdout)).toMatchObject({ shape: [1, 3, 100] });
  });
});
