/**
 * The child of the kill test (kill-saves.ts): saves, over and over until killed, each kind of file
 * the library writes: an adapter (`saveAdapter`), a full checkpoint (`savePretrained`), a training
 * checkpoint (`writeCheckpoint`, pruned to two) and a metrics line. Save `v` writes the value `v`
 * into every adapter parameter, into the saved model's final layer-norm bias, as the checkpoint's
 * step and as the metrics entry's step, then prints `saved v`, so that the parent can tell which save
 * each file on disk came from.
 *
 * Usage: node --conditions=@peft/source --import tsx tools/reliability/save-loop.ts <dir> <first-version>
 */
import { join } from 'node:path';
import { MethodRegistry, type Tensor, full, getPeftModel } from '../../packages/core/src/index.js';
import { loraConfig, lora } from '../../packages/lora/src/index.js';
import { loadPretrained } from '../../packages/models/src/index.js';
import { directorySource, savePretrained } from '../../packages/models/src/node.js';
import { MetricsLog } from '../../packages/train/src/index.js';
import { checkpointFileStore, metricsFileStore } from '../../packages/train/src/node.js';
import { BASE_MODEL } from './saved-files.js';

const [dir, first] = process.argv.slice(2);
const registry = new MethodRegistry();
registry.register(lora);
const peft = await getPeftModel(await loadPretrained(directorySource(BASE_MODEL)), loraConfig({ r: 4, loraAlpha: 8, targetModules: ['c_attn'] }), { registry, warn: () => undefined });
const full_ = await loadPretrained(directorySource(BASE_MODEL));
const adapterParams = [...peft.namedParameters()].filter(([, p]) => p.requiresGrad);
const lnBias = full_.stateDict().get('transformer.ln_f.bias')!;
const checkpoints = checkpointFileStore(join(dir, 'checkpoints'));
await checkpoints.removeStale();
const log = await MetricsLog.open(metricsFileStore(dir));

for (let v = Number(first); ; v++) {
  for (const [, p] of adapterParams) (p as Tensor & { assign(t: Tensor): void }).assign(full(p.shape, v));
  (lnBias as Tensor & { assign(t: Tensor): void }).assign(full(lnBias.shape, v));
  await peft.saveAdapter(join(dir, 'adapter'));
  await savePretrained(full_, join(dir, 'model'), { copyFrom: directorySource(BASE_MODEL) });
  const params = new Map(adapterParams);
  // as the Trainer saves and prunes (save_total_limit 2)
  await checkpoints.save(v, { params, optimizer: { tensors: new Map(), meta: {} }, hooks: new Map(), state: { global_step: v } }, new Map([['default', await peft.adapterFiles('default')]]));
  await checkpoints.prune(2);
  await log.log({ step: v, loss: v });
  process.stdout.write(`saved ${v}\n`);
}
