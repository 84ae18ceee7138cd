/**
 * `reward-router/adapters/onnx`: ONNX reward models (Hugging Face / Optimum sequence-classification exports) on
 * onnxruntime-node. See docs/adapters.md, "onnx".
 */
export { createOnnxRewardModel, type OnnxRewardModelOptions } from './model.js';
export { fromConfig } from './config.js';
export type { LabelOption, LabelReference } from './labels.js';
