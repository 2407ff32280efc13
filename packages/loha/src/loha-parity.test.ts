import { describeAdapterParity } from '@peft/testing';
import { loha } from './index.js';

await describeAdapterParity({ methods: [loha], cases: ['bert_loha', 'llama_loha', 'llama_loha_grads'] });
