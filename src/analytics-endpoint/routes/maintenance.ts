import type { Router } from 'express';
import type { AnalyticsRuntime } from '../../server/analytics-runtime';
import { runRefresh, type EmitAction } from '../../server/rollup/run-refresh';
import { authorize } from '../analytics-route';

/** POST /refresh runs a refresh now; DELETE /cache empties the analytics cache (every instance's, with Redis). */
export function mountMaintenanceRoutes(router: Router, runtime: AnalyticsRuntime, emitAction: EmitAction): void {
	router.post('/refresh', async (req, res, next) => {
		try {
			authorize(runtime, req);
			res.json({ data: await runRefresh(runtime, { emitAction }) });
		} catch (error) {
			next(error);
		}
	});
	router.delete('/cache', async (req, res, next) => {
		try {
			authorize(runtime, req);
			res.json({ data: { cleared: await runtime.cache.clear() } });
		} catch (error) {
			next(error);
		}
	});
}
