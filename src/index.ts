/**
 * reward-router: pick and route reward models for RLHF by the induced reward variance and accuracy they show on
 * the live policy's rollouts (Razin et al., NeurIPS 2025). See README.md and docs/.
 *
 * Adapters are separate entry points: `reward-router/adapters/<name>` (onnx, http, huggingface, lexicon, function,
 * openai-policy).
 */

// Contracts
export * from './spec/errors.js';
export * from './spec/reward-model.js';
export * from './spec/label.js';
export type * from './spec/rollout.js';
export type * from './spec/rollout-source.js';

// Statistics (pure functions)
export * from './stats/accuracy.js';
export * from './stats/bootstrap.js';
export * from './stats/calibration.js';
export * from './stats/correlation.js';
export * from './stats/moments.js';
export * from './stats/quantile.js';
export * from './stats/random.js';
export * from './stats/summary.js';
export * from './stats/variance.js';

// Selection
export * from './select/teacher.js';
export { SelectionAccumulator } from './select/accumulator.js';
export { buildSelectionReport, buildSelectionDetails, REPORT_VERSION } from './select/report-model.js';
export type { ModelReport, ReportOptions, SelectionDetails, SelectionReport } from './select/report-model.js';
export { measureRollouts, measureRolloutsDetailed, type MeasureOptions, type MeasuredRollouts } from './select/measure.js';

// Reports
export { readReportCalibrations, writeReportJson } from './report/json.js';
export { renderReportMarkdown } from './report/markdown.js';
export { writeReport, writeReportHtml, type WriteReportOptions, type WrittenReport } from './report/write.js';
export { reportProvenance, type ReportInput, type ReportProvenance } from './report/provenance.js';
export type { HtmlReportInput, RewardCurveRun, TimelineStep } from './report/html.js';

// Data
export { readRollouts, parseRolloutLine, serializeRollout, type ReadRolloutsOptions, type RolloutRecord } from './io/rollouts.js';
export { chatFormsOf, messageText, renderCompletion, renderPrompt, type ChatForms, type ChatMessageInput, type TextPart } from './io/messages.js';
export type { GroupSizeSummary } from './io/group-sizes.js';
export { writeFileAtomic } from './io/atomic.js';

// Models: building blocks, cache, config and registry
export { defineRewardModel, validateScores, type DefineRewardModelOptions, type BackendCallContext } from './model/define.js';
export { withRetry, parseRetryAfter, type RetryOptions } from './model/retry.js';
export { ScoreCache, withCache, type ScoreCacheOptions, type ScoreCacheStats } from './model/cache.js';
export { registerAdapter, createModelFromConfig, registeredTypes, type AdapterFactory, type AdapterContext, type ModelConfigEntry } from './model/registry.js';
export { registerBuiltInAdapters } from './model/adapters.js';
export { readModelConfig, validateModelConfig, type ModelConfig } from './model/config.js';
export { loadModels, type LoadedModels, type LoadModelsOptions } from './model/load.js';
export { scoreRollouts, type ScoreRolloutsOptions, type ScoreRolloutsResult } from './score/score-rollouts.js';

// Routing and serving
export * from './route/index.js';
export * from './server/index.js';
// Several replicas, one routing state (Redis)
export * from './replica/index.js';
