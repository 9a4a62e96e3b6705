import type { Router } from 'express';
import type { AnalyticsRuntime } from '../../server/services/analytics-runtime';
import { parseTimelineQuery } from '../../server/query/parse-analytics-query';
import { runTimeline } from '../../server/query/run-timeline';
import { analyticsRoute } from '../analytics-route';

export function mountTimelineRoute(router: Router, runtime: AnalyticsRuntime): void {
	router.get('/timeline', analyticsRoute(runtime, 'timeline', parseTimelineQuery, runTimeline));
}
