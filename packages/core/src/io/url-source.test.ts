import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../errors.js';
import { createCpuBackend } from '../backends/cpu/cpu-backend.js';
import { tensor } from '../ops/creation.js';
import { readAdapterFiles } from '../peft/files/adapter-files.js';
import { serializeTensors } from './safetensors-tensors.js';
import { urlSource } from './url-source.js';

const backend = createCpuBackend();

/** A fetch over a map of URLs, counting requests. */
function fakeFetch(files: Record<string, string | Uint8Array>, status: Record<string, number> = {}) {
  const calls: string[] = [];
  const fn = (url: string): Promise<Response> => {
    calls.push(url);
    if (status[url]) return Promise.resolve(new Response('nope', { status: status[url], statusText: 'Forbidden' }));
    const body = files[url];
    return Promise.resolve(body === undefined ? new Response('missing', { status: 404 }) : new Response(typeof body === 'string' ? body : new Uint8Array(body)));
  };
  return { fn, calls };
}

describe('urlSource', () => {
  it('reads an adapter served under a URL, downloading each file once', async () => {
    const weights = await serializeTensors(new Map([['base_model.model.fc.lora_A.weight', tensor([[1, 2]], { backend })]]), { metadata: { format: 'pt' } });
    const { fn, calls } = fakeFetch({ 'https://h.example/a/adapter_config.json': '{"peft_type": "LORA"}', 'https://h.example/a/adapter_model.safetensors': weights });
    const adapter = await readAdapterFiles(urlSource('https://h.example/a', { fetch: fn }), { backend });
    expect(adapter.peftType).toBe('LORA');
    expect(adapter.label).toBe('https://h.example/a');
    expect(Array.from(await adapter.tensors.get('base_model.model.fc.lora_A.weight')!.data())).toEqual([1, 2]);
    expect(calls).toEqual(['https://h.example/a/adapter_config.json', 'https://h.example/a/adapter_model.safetensors']);
  });

  it('treats a 404 as a missing file and any other failure as an error naming the URL', async () => {
    const { fn } = fakeFetch({ 'https://h.example/m/config.json': '{}' }, { 'https://h.example/m/model.safetensors': 403 });
    const source = urlSource('https://h.example/m/', { fetch: fn });
    expect(await source.has('config.json')).toBe(true);
    expect(await source.readText('tokenizer.json')).toBeUndefined();
    await expect(source.withBytes('tokenizer.json', () => Promise.resolve(0))).rejects.toThrow('urlSource: https://h.example/m/tokenizer.json not found (404)');
    await expect(source.has('model.safetensors')).rejects.toThrow(FileFormatError);
    await expect(source.has('model.safetensors')).rejects.toThrow('urlSource: fetching https://h.example/m/model.safetensors answered 403 Forbidden; expected 200');
    const offline = urlSource('https://h.example/m/', { fetch: () => Promise.reject(new TypeError('network down')) });
    await expect(offline.readText('config.json')).rejects.toThrow('urlSource: fetching https://h.example/m/config.json failed (network down)');
  });

  it('takes the HTML page a single-page-app server sends for an unknown path as a missing file', async () => {
    const html = (): Promise<Response> => Promise.resolve(new Response('<!doctype html><title>app</title>', { headers: { 'content-type': 'text/html; charset=utf-8' } }));
    const source = urlSource('https://h.example/m/', { fetch: html });
    expect(await source.has('model.safetensors.index.json')).toBe(false);
    expect(await source.readText('config.json')).toBeUndefined();
  });

  it('escapes each part of a file name but keeps its folders', async () => {
    const { fn, calls } = fakeFetch({ 'https://h.example/x/my%20adapter/adapter_config.json': '{}' });
    expect(await urlSource('https://h.example/x/', { fetch: fn }).readText('my adapter/adapter_config.json')).toBe('{}');
    expect(calls).toEqual(['https://h.example/x/my%20adapter/adapter_config.json']);
  });
});
