// End to end in a real browser: the demo page, built with Vite and served on 127.0.0.1, trains a LoRA
// adapter on WebGPU in headless Chromium (Debian's `chromium`, installed by tools/setup.sh); the
// adapter it downloads is loaded in Node and must give the logits the page computed.
//
// Chromium flags, probed on Debian bookworm with Chromium 150 headless and no GPU: `--enable-unsafe-webgpu`
// alone gives a SwiftShader adapter ("google swiftshader", Vulkan on the CPU) with compute shaders and
// subgroups; adding `--enable-features=Vulkan`, `--use-angle=swiftshader` or
// `--use-webgpu-adapter=swiftshader` changes nothing there, so only the first is passed.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MethodRegistry, PeftModel, createCpuBackend, fromArray, memorySource } from '@peft/core';
import { directorySource } from '@peft/core/node';
import { lora } from '@peft/lora';
import { loadPretrained } from '@peft/models';
import { type MockHub, startMockHub } from '@peft/testing/mock-hub';
import { type Browser, type Page, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectory } from './static-server.js';
import type { PageResult } from '../src/page-result.js';

const here = dirname(fileURLToPath(import.meta.url));
const exampleDir = join(here, '..');
const baseModelDir = join(exampleDir, '../../packages/cli/assets/base-model');
const outputDir = join(exampleDir, 'test-output');
const CHROMIUM = process.env.PEFT_CHROMIUM ?? '/usr/bin/chromium';
const REQUIRED = process.env.PEFT_REQUIRE_WEBGPU === '1';
const CHROMIUM_ARGS = ['--enable-unsafe-webgpu'];
/** A reduced run: SwiftShader is slow, so few steps of a small batch. */
const QUERY = '?steps=12&batch=4&eval=8&samples=1&autostart=1';
/** Browser (SwiftShader) against Node's CPU reference: f32 sums in a different order. */
const LOGIT_TOLERANCE = { relative: 1e-4, absolute: 1e-4 };

let distDir = '';
let server: { url: string; close(): Promise<void> } | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
/** Why the browser part cannot run here (no Chromium, no WebGPU adapter), or undefined when it can. */
let unavailable: string | undefined;
let result: PageResult | undefined;

beforeAll(async () => {
  distDir = mkdtempSync(join(tmpdir(), 'peft-browser-dist-'));
  await build({ configFile: join(exampleDir, 'vite.config.ts'), logLevel: 'error', build: { outDir: distDir, emptyOutDir: true } });
  server = await serveDirectory(distDir);
  if (!existsSync(CHROMIUM)) {
    unavailable = `no Chromium at ${CHROMIUM} (tools/setup.sh installs Debian's chromium; PEFT_CHROMIUM names another)`;
    return;
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ acceptDownloads: true, viewport: { width: 900, height: 1200 } });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${server.url}/`);
  const adapter = await page.evaluate(async () => {
    if (!('gpu' in navigator)) return undefined;
    const a = await navigator.gpu.requestAdapter();
    return a ? `${a.info.vendor} ${a.info.architecture}`.trim() : undefined;
  });
  if (!adapter) unavailable = `Chromium at ${CHROMIUM} offers no WebGPU adapter with ${CHROMIUM_ARGS.join(' ')}`;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (distDir) rmSync(distDir, { recursive: true, force: true });
});

/** Skips (with the reason) where Chromium or WebGPU is missing, unless PEFT_REQUIRE_WEBGPU=1 makes that a failure. */
function needBrowser(ctx: { skip(note?: string): void }): Page {
  if (unavailable) {
    if (REQUIRED) throw new Error(`PEFT_REQUIRE_WEBGPU=1 but ${unavailable}`);
    ctx.skip(unavailable);
  }
  return page!;
}

describe('the browser demo', () => {
  it('bundles without Node built-ins or the Dawn runtime in the code a page loads', () => {
    const assets = join(distDir, 'assets');
    const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
    const html = readFileSync(join(distDir, 'index.html'), 'utf8');
    const entry = js.find((f) => html.includes(f))!;
    expect(entry).toBeDefined();
    const code = readFileSync(join(assets, entry), 'utf8');
    // no `node:` module survives, and the npm `webgpu` package (Dawn's .node loader) is absent
    for (const f of js) expect(readFileSync(join(assets, f), 'utf8')).not.toMatch(/["']node:|dawn\.node|createRequire/);
    // the entry imports nothing but its own chunks statically (Node-only file paths stay behind lazy imports)
    expect(code).not.toMatch(/^import[^;]*__vite-browser-external/m);
    // the embedded model and task are copied next to the page
    expect(existsSync(join(distDir, 'base-model', 'model.safetensors'))).toBe(true);
    expect(existsSync(join(distDir, 'demo-task', 'train.jsonl'))).toBe(true);
  });

  it('trains a LoRA adapter on WebGPU in Chromium and the loss falls', async (ctx) => {
    const p = needBrowser(ctx);
    await p.goto(`${server!.url}/${QUERY}`);
    await p.waitForFunction(() => ['done', 'error'].includes(window.__peftResult?.state ?? ''), undefined, { timeout: 200_000, polling: 500 });
    result = await p.evaluate(() => window.__peftResult as unknown as PageResult);
    expect(result.error).toBeUndefined();
    expect(result.state).toBe('done');
    expect(result.backendName).toBe('webgpu');
    expect(result.losses).toHaveLength(12);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(result.losses.slice(0, 3));
    const last = mean(result.losses.slice(-3));
    console.warn(`browser run: ${result.backend}; loss ${first.toFixed(3)} → ${last.toFixed(3)} (mean of first/last 3 steps), ${result.tokensPerSecond!.toFixed(0)} tokens/s, ${result.trainSeconds!.toFixed(1)} s`);
    expect(last).toBeLessThan(first * 0.8);
  });

  it('shows the chart and the numbers in a screenshot taken after training', async (ctx) => {
    const p = needBrowser(ctx);
    expect(result?.state).toBe('done');
    mkdirSync(outputDir, { recursive: true });
    const shot = join(outputDir, 'browser-demo.png');
    await p.screenshot({ path: shot, fullPage: true });
    const box = (await p.locator('#chart').boundingBox())!;
    // decode the saved PNG in the page and count pixels of the training curve's colour (#1f77b4) in the chart's area
    const png = readFileSync(shot).toString('base64');
    const curvePixels = await p.evaluate(
      async ({ png, box }) => {
        const img = new Image();
        img.src = `data:image/png;base64,${png}`;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const g = canvas.getContext('2d')!;
        g.drawImage(img, 0, 0);
        const d = g.getImageData(Math.round(box.x), Math.round(box.y), Math.round(box.width), Math.round(box.height)).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 31) < 40 && Math.abs(d[i + 1] - 119) < 40 && Math.abs(d[i + 2] - 180) < 40) n++;
        return n;
      },
      { png, box },
    );
    expect(curvePixels).toBeGreaterThan(150);
    expect(await p.locator('#chart').getAttribute('data-points')).toBe('12');
    const text = async (id: string): Promise<string> => (await p.locator(id).textContent()) ?? '';
    expect(Number(await text('#final-loss'))).toBeCloseTo(result!.losses.at(-1)!, 4);
    expect(Number(await text('#first-loss'))).toBeCloseTo(result!.losses[0], 4);
    expect(Number(await text('#tokens-per-second'))).toBe(Math.round(result!.tokensPerSecond!));
    expect(Number(await text('#tokens-per-second'))).toBeGreaterThan(0);
    expect(await text('#step')).toBe('12 / 12');
    expect(await text('#accuracy')).toMatch(/^\d+\.\d% → \d+\.\d%$/);
  });

  it('downloads the adapter in Hugging Face format, and Node loads it with the same logits', async (ctx) => {
    const p = needBrowser(ctx);
    expect(result?.state).toBe('done');
    const download = async (button: string): Promise<{ name: string; bytes: Buffer }> => {
      const [d] = await Promise.all([p.waitForEvent('download'), p.click(button)]);
      return { name: d.suggestedFilename(), bytes: readFileSync(await d.path()) };
    };
    const weights = await download('#download-weights');
    const config = await download('#download-config');
    expect([weights.name, config.name]).toEqual(['adapter_model.safetensors', 'adapter_config.json']);
    mkdirSync(join(outputDir, 'adapter'), { recursive: true });
    writeFileSync(join(outputDir, 'adapter', weights.name), weights.bytes);
    writeFileSync(join(outputDir, 'adapter', config.name), config.bytes);
    const cfg = JSON.parse(config.bytes.toString('utf8')) as Record<string, unknown>;
    expect(cfg).toMatchObject({ peft_type: 'LORA', r: 8, lora_alpha: 16, inference_mode: true, task_type: 'CAUSAL_LM' });
    expect([...(cfg.target_modules as string[])].sort()).toEqual(['c_attn', 'c_proj', 'lm_head']);

    const backend = createCpuBackend();
    const registry = new MethodRegistry();
    registry.register(lora);
    const model = await loadPretrained(directorySource(baseModelDir), { backend, onWarning: () => {} });
    const peft = await PeftModel.fromPretrained(model, memorySource({ 'adapter_config.json': config.bytes.toString('utf8'), 'adapter_model.safetensors': new Uint8Array(weights.bytes) }), { registry, warn: () => {} });
    peft.eval();
    const ids = result!.probe!.inputIds;
    const input = fromArray(ids, [1, ids.length], { dtype: 'i32', backend });
    const node = Array.from(await peft.forward({ inputIds: input }).logits.data());
    const base = Array.from(await peft.disableAdapter(() => peft.forward({ inputIds: input }).logits).data());
    const browserLogits = result!.probe!.logits;
    expect(node).toHaveLength(browserLogits.length);
    let worst = 0;
    let baseGap = 0;
    for (let i = 0; i < node.length; i++) {
      const allowed = LOGIT_TOLERANCE.absolute + LOGIT_TOLERANCE.relative * Math.abs(node[i]);
      worst = Math.max(worst, Math.abs(node[i] - browserLogits[i]) / allowed);
      baseGap = Math.max(baseGap, Math.abs(base[i] - browserLogits[i]));
    }
    console.warn(`logits: browser vs Node within ${(worst * 100).toFixed(1)}% of the tolerance; the adapter moves them by up to ${baseGap.toFixed(3)}`);
    expect(worst).toBeLessThanOrEqual(1);
    // the comparison means something: without the adapter the logits are far off
    expect(baseGap).toBeGreaterThan(100 * LOGIT_TOLERANCE.absolute);
  });

  it('loads the downloaded files back through a file input (File objects) with the trained logits', async (ctx) => {
    const p = needBrowser(ctx);
    expect(result?.state).toBe('done');
    const dir = join(outputDir, 'adapter');
    await p.setInputFiles('#adapter-files', [join(dir, 'adapter_config.json'), join(dir, 'adapter_model.safetensors')]);
    await p.waitForFunction(() => window.__peftResult?.loadedProbe !== undefined, undefined, { timeout: 60_000 });
    const loaded = await p.evaluate(() => window.__peftResult!.loadedProbe!);
    expect(loaded.inputIds).toEqual(result!.probe!.inputIds);
    // the same weights on the same device: the same logits
    const worst = loaded.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - result!.probe!.logits[i])), 0);
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(await p.locator('#loaded').textContent()).toBe('loaded adapter_config.json + adapter_model.safetensors as the active adapter');
  });
});

describe('the browser demo with a model from the Hub (a local mock)', () => {
  let hub: MockHub | undefined;
  afterAll(async () => {
    await hub?.close();
  });

  it('loads a model by id, trains LoHa on an uploaded JSONL file, and after a reload reads the model from the browser cache', async (ctx) => {
    needBrowser(ctx);
    hub = await startMockHub();
    hub.allowCors();
    hub.addRepo('model', 'org/tiny-gpt2', Object.fromEntries(readdirSync(baseModelDir).map((f) => [f, new Uint8Array(readFileSync(join(baseModelDir, f)))])));
    const jsonl = join(mkdtempSync(join(tmpdir(), 'peft-upload-')), 'mine.jsonl');
    writeFileSync(jsonl, readFileSync(join(baseModelDir, '..', 'demo-task', 'train.jsonl'), 'utf8').split('\n').slice(0, 16).join('\n'));
    const p = await browser!.newPage();
    p.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    const runOnce = async (): Promise<PageResult> => {
      await p.goto(`${server!.url}/?hub=${encodeURIComponent(hub!.url)}&model=org/tiny-gpt2&steps=3&batch=4&samples=0&method=loha&rank=4`);
      await p.waitForFunction(() => window.__peftResult?.state === 'ready' && document.getElementById('cache-size')?.textContent !== '–', undefined, { timeout: 60_000 });
      await p.setInputFiles('#train-file', jsonl);
      await p.click('#train');
      await p.waitForFunction(() => ['done', 'error'].includes(window.__peftResult?.state ?? ''), undefined, { timeout: 200_000, polling: 500 });
      return p.evaluate(() => window.__peftResult as unknown as PageResult);
    };
    const contentRequests = (): number => hub!.requests.filter((r) => r.method === 'GET' && (r.path.startsWith('/_lfs/') || r.path.includes('/resolve/'))).length;

    const first = await runOnce();
    expect(first.error).toBeUndefined();
    expect(first.losses).toHaveLength(3);
    expect(first.modelFiles?.map((f) => f.file).sort()).toEqual(['org/tiny-gpt2/config.json', 'org/tiny-gpt2/generation_config.json', 'org/tiny-gpt2/model.safetensors', 'org/tiny-gpt2/tokenizer.json', 'org/tiny-gpt2/tokenizer_config.json']);
    expect(first.modelFiles?.every((f) => !f.cached)).toBe(true);
    const downloads = contentRequests();
    expect(downloads).toBeGreaterThanOrEqual(5);
    expect(first.hubCache!.bytes).toBeGreaterThan(readFileSync(join(baseModelDir, 'model.safetensors')).length);
    expect(await p.locator('#cache-size').textContent()).toMatch(/^5 files, 4\.\d MB$/);
    const [download] = await Promise.all([p.waitForEvent('download'), p.click('#download-config')]);
    expect(JSON.parse(readFileSync(await download.path(), 'utf8'))).toMatchObject({ peft_type: 'LOHA', r: 4, alpha: 8, base_model_name_or_path: 'org/tiny-gpt2' });

    const second = await runOnce();
    expect(second.error).toBeUndefined();
    expect(second.modelFiles?.every((f) => f.cached)).toBe(true);
    expect(contentRequests()).toBe(downloads);

    await p.click('#clear-cache');
    await p.waitForFunction(() => document.getElementById('cache-size')?.textContent === '0 files, 0 B', undefined, { timeout: 10_000 });
    await p.close();
  });
});
