// The demo page: wires the DOM to runDemo. Results are also put on `window.__peftResult` and on data
// attributes, so an automated browser can read them.
import { DEFAULT_ADAPTER, type AdapterFiles } from '@peft/core';
import { browserHubCacheUsage, clearBrowserHubCache } from '@peft/hub';
import { openBrowserBackend } from './browser-backend.js';
import { parseDemoOptions } from './demo-options.js';
import { type DemoResult, loadPickedAdapter, runDemo } from './demo-run.js';
import { downloadBytes } from './download.js';
import { LossChart } from './loss-chart.js';
import type { PageResult } from './page-result.js';

declare global {
  interface Window {
    __peftResult?: PageResult;
  }
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const opts = parseDemoOptions(location.search);
const chart = new LossChart($('chart'));
const page: PageResult = { state: 'ready', losses: [] };
window.__peftResult = page;

function setState(state: PageResult['state'], text: string): void {
  page.state = state;
  const el = $('status');
  el.dataset.state = state;
  el.textContent = text;
}

function showResult(r: DemoResult): void {
  $('final-loss').textContent = r.losses.at(-1)!.toFixed(4);
  $('tokens-per-second').textContent = r.tokensPerSecond.toFixed(0);
  $('accuracy').textContent = `${pct(r.accuracyBefore)} → ${pct(r.accuracyAfter)}`;
  const body = $('samples').querySelector('tbody')!;
  body.replaceChildren(
    ...r.samples.map((s) => {
      const tr = document.createElement('tr');
      for (const text of [excerpt(s.prompt), s.expected, s.base, s.adapter]) {
        const td = document.createElement('td');
        td.textContent = JSON.stringify(text);
        tr.append(td);
      }
      return tr;
    }),
  );
  wireDownloads(r.adapter);
  wireUpload(r);
}

function wireUpload(r: DemoResult): void {
  const input = $<HTMLInputElement>('adapter-files');
  input.onchange = async () => {
    if (!input.files?.length) return;
    $('loaded').textContent = 'loading…';
    try {
      const probe = await loadPickedAdapter(r.peft, r.tokenizer, input.files);
      page.loadedProbe = { inputIds: probe.inputIds, logits: Array.from(probe.logits) };
      $('loaded').textContent = `loaded ${Array.from(input.files, (f) => f.name).join(' + ')} as the active adapter`;
    } catch (e) {
      $('loaded').textContent = `failed: ${(e as Error).message}`;
    }
  };
  input.disabled = false;
}

function formatBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`;
}

async function showCacheSize(): Promise<void> {
  const usage = await browserHubCacheUsage();
  page.hubCache = usage;
  $('cache-size').textContent = `${usage.files} files, ${formatBytes(usage.bytes)}`;
}

function wireSetup(): void {
  $<HTMLInputElement>('model-id').value = opts.model;
  $<HTMLSelectElement>('method').value = opts.method;
  $<HTMLInputElement>('rank').value = String(opts.rank);
  $<HTMLButtonElement>('clear-cache').onclick = () => void clearBrowserHubCache().then(showCacheSize);
  void showCacheSize();
}

function wireDownloads(files: AdapterFiles): void {
  const weights = $<HTMLButtonElement>('download-weights');
  const config = $<HTMLButtonElement>('download-config');
  weights.onclick = () => downloadBytes('adapter_model.safetensors', files.weights);
  config.onclick = () => downloadBytes('adapter_config.json', files.config, 'application/json');
  weights.disabled = false;
  config.disabled = false;
}

async function start(): Promise<void> {
  const { backend, note } = await openBrowserBackend(opts.cpu);
  page.backendName = backend.name;
  page.backend = backend.description;
  $('device').textContent = `backend: ${backend.name}, ${backend.description}${note ? ` — ${note}` : ''}`;
  const button = $<HTMLButtonElement>('train');
  const train = async (): Promise<void> => {
    button.disabled = true;
    setState('training', 'loading…');
    try {
      const modelId = $<HTMLInputElement>('model-id').value.trim();
      const modelFiles = $<HTMLInputElement>('model-files').files ?? undefined;
      const trainFile = $<HTMLInputElement>('train-file').files?.[0];
      const method = $<HTMLSelectElement>('method').value === 'loha' ? 'loha' : 'lora';
      const rank = Math.max(1, Math.min(256, Math.round(Number($<HTMLInputElement>('rank').value) || opts.rank)));
      page.modelFiles = [];
      const result = await runDemo({ ...opts, method, rank }, backend, import.meta.env.BASE_URL, {
        onDownload: (d) => {
          if (d.loaded === d.total) page.modelFiles!.push({ file: d.file, cached: d.cached });
          $('status').textContent = `${d.cached ? 'reading from the browser cache' : 'downloading'} ${d.file}: ${formatBytes(d.loaded)} of ${formatBytes(d.total)}`;
        },
        onStatus: (s) => ($('status').textContent = s),
        onStep: (p) => {
          page.losses.push(p.loss);
          if (p.step === 1) $('first-loss').textContent = p.loss.toFixed(4);
          $('step').textContent = `${p.step} / ${p.totalSteps}`;
          $('loss').textContent = p.loss.toFixed(4);
          $('tokens-per-second').textContent = p.tokensPerSecond.toFixed(0);
          chart.add({ step: p.step, loss: p.loss });
        },
      }, { modelId: modelId || undefined, modelFiles: modelFiles?.length ? modelFiles : undefined, trainFile });
      await showCacheSize();
      chart.draw();
      showResult(result);
      Object.assign(page, {
        tokensPerSecond: result.tokensPerSecond,
        trainSeconds: result.trainSeconds,
        accuracyBefore: result.accuracyBefore,
        accuracyAfter: result.accuracyAfter,
        probe: { inputIds: [...result.probe.inputIds], logits: Array.from(result.probe.logits) },
      });
      setState('done', `done: ${result.losses.length} steps in ${result.trainSeconds.toFixed(1)} s (adapter "${DEFAULT_ADAPTER}")`);
    } catch (e) {
      page.error = (e as Error).stack ?? String(e);
      setState('error', `failed: ${(e as Error).message}`);
      button.disabled = false;
    }
  };
  wireSetup();
  button.onclick = () => void train();
  button.disabled = false;
  setState('ready', `ready: ${opts.steps} steps of ${opts.batch} e-mails`);
  if (opts.autostart) await train();
}

function pct(x: number): string {
  return Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`;
}

function excerpt(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ');
  return flat.length > 70 ? `${flat.slice(0, 70)}…` : flat;
}

start().catch((e: unknown) => {
  page.error = String(e);
  setState('error', `failed: ${(e as Error).message}`);
});
