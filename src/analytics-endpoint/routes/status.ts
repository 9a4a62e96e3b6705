import type { Router } from 'express';
import { toDirectusError } from '../to-directus-error';
import type { AnalyticsRuntime } from '../../server/services/analytics-runtime';
import { collectStatus, formatPrometheus } from '../../server/services/status';
import { authorize } from '../analytics-route';

export function mountStatusRoutes(router: Router, runtime: AnalyticsRuntime): void {
	router.get('/status', async (req, res, next) => {
		try {
			authorize(runtime, req);
			res.json({ data: await collectStatus(runtime) });
		} catch (error) {
			next(toDirectusError(error));
		}
	});
	router.get('/metrics', async (req, res, next) => {
		try {
			authorize(runtime, req);
			res.type('text/plain; version=0.0.4').send(formatPrometheus(await collectStatus(runtime)));
		} catch (error) {
			next(toDirectusError(error));
		}
	});
}
