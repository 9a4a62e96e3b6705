import type { Router } from 'express';
import type { AnalyticsRuntime } from '../../server/services/analytics-runtime';
import { parseBreakdownQuery } from '../../server/query/parse-analytics-query';
import { runBreakdown } from '../../server/query/run-breakdown';
import { analyticsRoute } from '../analytics-route';

export function mountBreakdownRoute(router: Router, runtime: AnalyticsRuntime): void {
	router.get('/breakdown', analyticsRoute(runtime, 'breakdown', parseBreakdownQuery, runBreakdown));
}
