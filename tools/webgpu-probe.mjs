#!/usr/bin/env node
// Checks that Dawn (npm `webgpu`, as installed for @peft/core) finds a usable WebGPU adapter:
// create([]), requestAdapter, requestDevice, destroy. Exit 0 and print the adapter on success,
// exit 1 with the reason otherwise.
//   node tools/webgpu-probe.mjs        human-readable line
//   node tools/webgpu-probe.mjs --id   only the adapter name, or "none" (exit 0 either way; nx hashes it
//                                      so a test result cached without an adapter never stands in for one with it)
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const idOnly = process.argv.includes('--id');
const coreManifest = fileURLToPath(new URL('../packages/core/package.json', import.meta.url));

function finish(ok, text) {
  if (idOnly) process.stdout.write(`${ok ? text : 'none'}\n`);
  else (ok ? console.log : console.error)(ok ? `webgpu: adapter ok: ${text}` : `webgpu: ${text}`);
  process.exitCode = ok || idOnly ? 0 : 1;
}

let gpuModule;
try {
  const entry = createRequire(coreManifest).resolve('webgpu');
  gpuModule = await import(pathToFileURL(entry).href);
} catch (e) {
  finish(false, `cannot load the "webgpu" package (run pnpm install first): ${e.message}`);
}

if (gpuModule) {
  try {
    let gpu = gpuModule.create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) {
      finish(false, 'no adapter (requestAdapter returned null)');
    } else {
      const device = await adapter.requestDevice();
      const info = adapter.info ?? {};
      const name = [info.description || info.device, info.vendor && `(${info.vendor}${info.architecture ? ` ${info.architecture}` : ''})`]
        .filter(Boolean)
        .join(' ');
      device.destroy();
      finish(true, name || 'unnamed adapter');
    }
    gpu = null; // let Node exit
  } catch (e) {
    finish(false, `adapter or device request failed: ${e.message}`);
  }
}
