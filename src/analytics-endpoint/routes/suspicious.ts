import type { Router } from 'express';
import type { AnalyticsRuntime } from '../../server/services/analytics-runtime';
import { parseSuspiciousQuery } from '../../server/query/parse-analytics-query';
import { runSuspicious } from '../../server/query/run-suspicious';
import { analyticsRoute } from '../analytics-route';

export function mountSuspiciousRoute(router: Router, runtime: AnalyticsRuntime): void {
	router.get('/suspicious', analyticsRoute(runtime, 'suspicious', parseSuspiciousQuery, runSuspicious));
}
