import type { Router } from 'express';
import type { AnalyticsRuntime } from '../../server/services/analytics-runtime';
import { parseTrendingQuery } from '../../server/query/parse-analytics-query';
import { runTrending } from '../../server/query/run-trending';
import { analyticsRoute } from '../analytics-route';

export function mountTrendingRoute(router: Router, runtime: AnalyticsRuntime): void {
	router.get('/trending', analyticsRoute(runtime, 'trending', parseTrendingQuery, runTrending));
}
