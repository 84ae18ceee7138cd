/** The reward server: its handler (routes and checks), its node:http adapter, and its metrics. */
export { createRewardHandler, type RewardHandler, type RewardHandlerOptions, type SampleGroupingOptions, type ServedRouter } from './handler.js';
export { ServerListenError, startServer, type RunningServer, type StartServerOptions } from './node.js';
export { createServerMetrics, type ServerMetrics, type ServerMetricsOptions } from './metrics.js';
export { SampleGroups, type SampleGroupsOptions, type SampleGroupsStats, type SampleReward } from './sample-groups.js';
export { groupPromptId, type GroupStepsStats } from './group-steps.js';
export { pinTeacher, normalizeReward, unitScore, TeacherScorer, type PinnedTeacher } from './group-teacher.js';
export { completionOf, parseGetRewardRequest, parseSamplesRequest } from './sample-requests.js';
export { conversationSample, parseMessages, renderCompletionMessages, renderPromptMessages, type ConversationSample } from './messages.js';
export { HttpError, type ErrorBody, type ServerErrorCode } from './http-error.js';
export { fromWebRequest, type RouteRequest } from './route-request.js';
export { jsonReply, toResponse, type Reply, type RouteAnswer } from './reply.js';
export { createDashboard, DASHBOARD_DATA_PATH, DASHBOARD_PAGE_PATH, type Dashboard, type DashboardData, type DashboardOptions } from './dashboard.js';
export { StepHistory, dashboardStepOf, type DashboardModelPoint, type DashboardStep } from './dashboard-history.js';
