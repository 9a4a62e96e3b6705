import type { Knex } from 'knex';
import { createIndexes, dropIndexes } from './20261123-004-activity-indexes';

const ACTIVITY_TIMESTAMP_INDEXES = [
	{ name: 'activity_analytics_activity_timestamp', table: 'directus_activity', columns: ['timestamp'] },
] as const;

export const name = '20261127-008-activity-timestamp-index';

// Outside a transaction, for CREATE INDEX CONCURRENTLY (see 004).
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
	await createIndexes(knex, ACTIVITY_TIMESTAMP_INDEXES);
}

export async function down(knex: Knex): Promise<void> {
	await dropIndexes(knex, ACTIVITY_TIMESTAMP_INDEXES);
}
