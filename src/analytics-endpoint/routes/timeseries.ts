import type { Router } from 'express';
import type { AnalyticsRuntime } from '../../server/services/analytics-runtime';
import { parseTimeseriesQuery } from '../../server/query/parse-analytics-query';
import { runTimeseries } from '../../server/query/run-timeseries';
import { analyticsRoute } from '../analytics-route';

export function mountTimeseriesRoute(router: Router, runtime: AnalyticsRuntime): void {
	router.get('/timeseries', analyticsRoute(runtime, 'timeseries', parseTimeseriesQuery, runTimeseries));
}
