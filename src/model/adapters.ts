/**
 * Registers the built-in config types with the registry. Each adapter is imported only when a config uses it, so
 * scoring with a lexicon model never loads onnxruntime. `function` models exist in code only and are not listed.
 */
import { registerAdapter, registeredTypes } from './registry.js';

/** Registers onnx, http, huggingface, lexicon and verifier (idempotent; a type you registered yourself is kept). */
export function registerBuiltInAdapters(): void {
  const known = new Set(registeredTypes());
  const builtIns = {
    onnx: async () => (await import('../../adapters/onnx/index.js')).fromConfig,
    http: async () => (await import('../../adapters/http/index.js')).fromConfig,
    huggingface: async () => (await import('../../adapters/huggingface/index.js')).fromConfig,
    lexicon: async () => (await import('../../adapters/lexicon/index.js')).fromConfig,
    verifier: async () => (await import('../../adapters/verifier/index.js')).fromConfig,
  };
  for (const [type, load] of Object.entries(builtIns)) if (!known.has(type)) registerAdapter(type, load);
}
