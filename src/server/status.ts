import type { Knex } from 'knex';
import { PACKAGE_NAME } from '../shared/constants';
import type { AnalyticsStatus } from '../shared/status';
import { countRevisions, readActivityTableStatus } from './activity-table-status';
import { describeConfig, type AnalyticsConfig } from './config';

const startedAt = new Date().toISOString();

/** Everything GET /analytics/status reports. */
export async function collectStatus(database: Knex, config: AnalyticsConfig): Promise<AnalyticsStatus> {
	const [activity, revisionRows] = await Promise.all([readActivityTableStatus(database), countRevisions(database)]);
	return {
		extension: { name: PACKAGE_NAME, startedAt },
		database: { client: String(database.client.config.client) },
		queue: { kind: config.queue },
		config: describeConfig(config),
		activity,
		revisions: { rows: revisionRows },
	};
}
