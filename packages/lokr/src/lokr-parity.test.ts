import { describeAdapterParity } from '@peft/testing';
import { lokr } from './index.js';

await describeAdapterParity({ methods: [lokr], cases: ['bert_lokr', 'llama_lokr'] });
