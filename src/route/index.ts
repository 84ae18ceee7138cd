/**
 * The adaptive router (docs/router.md): routes each RLHF step's scoring to the candidate reward model that still
 * gives the policy a gradient, mixes candidates, or rescues flat prompts, with failover, events and checkpoints.
 */
export { createRouter, type Router } from './router.js';
export { validateRouterOptions, ROUTER_DEFAULTS } from './options.js';
export type { RouterSnapshot } from './snapshot.js';
export type {
  BanditOptions,
  CircuitOptions,
  DegradationOptions,
  DegradationReport,
  HarmOptions,
  KnownScores,
  MixOptions,
  ModelState,
  ReferenceState,
  RescueOptions,
  RewardSource,
  RoutedGroup,
  RouterEvents,
  RouterGroup,
  RouterOptions,
  RouterResult,
  RouterScoreOptions,
  RouterState,
  RoutingDecision,
  Strategy,
} from './types.js';
