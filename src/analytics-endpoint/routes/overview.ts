import type { Router } from 'express';
import type { AnalyticsRuntime } from '../../server/services/analytics-runtime';
import { parseOverviewQuery } from '../../server/query/parse-analytics-query';
import { runOverview } from '../../server/query/run-overview';
import { analyticsRoute } from '../analytics-route';

export function mountOverviewRoute(router: Router, runtime: AnalyticsRuntime): void {
	router.get('/overview', analyticsRoute(runtime, 'overview', parseOverviewQuery, runOverview));
}
