import { describeMethodConformance } from '@peft/testing';
import { prefixTuningConfig } from './config.js';
import { prefixTuning } from './method.js';

await describeMethodConformance({
  method: prefixTuning,
  mergeable: false,
  perRowAdapters: false,
  bases: ['gpt2', 'llama', 'bert-seq-cls'],
  configs: [
    // the tiny BERT classifier's logits are ~1e-2: a 0.2 perturbation of an N(0, 1) prefix moves them by
    // ~3e-5, under the suite's 1e-4 threshold, so the plain prefix runs on the decoders here; BERT's
    // prefix is covered by the projection case below and by the bert_prefix parity case
    { name: 'prefix', config: () => prefixTuningConfig({ numVirtualTokens: 4 }), bases: ['gpt2', 'llama'] },
    { name: 'prefix projection', config: () => prefixTuningConfig({ numVirtualTokens: 3, prefixProjection: true, encoderHiddenSize: 8 }) },
  ],
});
