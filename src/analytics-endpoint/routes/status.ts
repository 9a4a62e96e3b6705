import type { Knex } from 'knex';
import type { Router } from 'express';
import { assertCanReadAnalytics } from '../../server/access';
import type { AnalyticsConfig } from '../../server/config';
import { accountabilityOf } from '../../server/request-accountability';
import { collectStatus } from '../../server/status';

export function mountStatusRoute(router: Router, database: Knex, config: AnalyticsConfig): void {
	router.get('/status', async (req, res, next) => {
		try {
			assertCanReadAnalytics(accountabilityOf(req), config);
			res.json({ data: await collectStatus(database, config) });
		} catch (error) {
			next(error);
		}
	});
}
