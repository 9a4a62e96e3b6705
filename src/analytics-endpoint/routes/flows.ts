import type { Router } from 'express';
import type { AnalyticsRuntime } from '../../server/services/analytics-runtime';
import {
	parseFlowFailuresQuery,
	parseFlowOperationsQuery,
	parseFlowsQuery,
} from '../../server/query/parse-analytics-query';
import { runFlowFailures, runFlowOperations, runFlows } from '../../server/query/run-flows';
import { analyticsRoute } from '../analytics-route';

/** Flow health: runs and failures per flow, recent failed runs, and step outcomes per operation type. */
export function mountFlowRoutes(router: Router, runtime: AnalyticsRuntime): void {
	router.get('/flows', analyticsRoute(runtime, 'flows', parseFlowsQuery, runFlows));
	router.get('/flows/failures', analyticsRoute(runtime, 'flows-failures', parseFlowFailuresQuery, runFlowFailures));
	router.get(
		'/flows/operations',
		analyticsRoute(runtime, 'flows-operations', parseFlowOperationsQuery, runFlowOperations),
	);
}
