/** The reward server: its handler (routes and checks), its node:http adapter, and its metrics. */
export { createRewardHandler, type RewardHandler, type RewardHandlerOptions, type ServedRouter } from './handler.js';
export { ServerListenError, startServer, type RunningServer, type StartServerOptions } from './node.js';
export { createServerMetrics, type ServerMetrics, type ServerMetricsOptions } from './metrics.js';
export { completionOf, openRlhfPromptId, SampleBatcher, type OpenRlhfGroupingOptions, type SampleReward } from './openrlhf-batcher.js';
export { HttpError, type ErrorBody, type ServerErrorCode } from './http-error.js';
export { fromWebRequest, type RouteRequest } from './route-request.js';
export { jsonReply, toResponse, type Reply, type RouteAnswer } from './reply.js';
