import type { Router } from 'express';
import { toDirectusError } from '../to-directus-error';
import type { AnalyticsRuntime } from '../../server/services/analytics-runtime';
import type { AlertSinks } from '../../server/services/alert-sink';
import { runRefresh } from '../../server/services/refresh-job';
import { ForbiddenError } from '@directus/errors';
import { authorize } from '../analytics-route';

/**
 * POST /refresh runs a refresh now; DELETE /cache empties the analytics cache (every instance's, with Redis).
 * Roles allowed to read analytics may not run these: maintenance is for admins.
 */
export function mountMaintenanceRoutes(router: Router, runtime: AnalyticsRuntime, alerts: AlertSinks): void {
	router.post('/refresh', async (req, res, next) => {
		try {
			if (!authorize(runtime, req).admin) throw new ForbiddenError();
			res.json({ data: await runRefresh(runtime, { alerts, fresh: true }) });
		} catch (error) {
			next(toDirectusError(error));
		}
	});
	router.delete('/cache', async (req, res, next) => {
		try {
			if (!authorize(runtime, req).admin) throw new ForbiddenError();
			res.json({ data: { cleared: await runtime.cache.clear() } });
		} catch (error) {
			next(toDirectusError(error));
		}
	});
}
