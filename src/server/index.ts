/** The reward server: a `Request -> Response` handler, its node:http adapter, and its metrics. */
export { createRewardHandler, type RewardHandler, type RewardHandlerOptions, type ServedRouter } from './handler.js';
export { startServer, type RunningServer, type StartServerOptions } from './node.js';
export { createServerMetrics, type ServerMetrics, type ServerMetricsOptions } from './metrics.js';
export { completionOf, openRlhfPromptId, SampleBatcher, type OpenRlhfGroupingOptions, type SampleReward } from './openrlhf-batcher.js';
export { HttpError, type ErrorBody, type ServerErrorCode } from './http-error.js';
export { createDashboard, DASHBOARD_DATA_PATH, DASHBOARD_PAGE_PATH, type Dashboard, type DashboardData, type DashboardOptions } from './dashboard.js';
export { StepHistory, dashboardStepOf, type DashboardModelPoint, type DashboardStep } from './dashboard-history.js';
