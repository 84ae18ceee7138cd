/** Reusable loopback servers that speak each remote service's wire format, with injectable faults. */
export * from './loopback.js';
export * from './toy-scorer.js';
export * from './openrlhf.js';
export * from './vllm-classify.js';
export * from './tei.js';
export * from './hf-inference.js';
export * from './openai.js';
