import type { Knex } from 'knex';
import { createIndexes, dropIndexes } from './20261123-004-activity-indexes';

const ROLLUP_KEY_INDEXES = [
	{
		name: 'activity_analytics_rollup_ip_users_by_ip',
		table: 'activity_analytics_rollup_ip_users',
		columns: ['grain', 'ip', 'bucket', 'user'],
	},
] as const;

export const name = '20261127-010-rollup-key-indexes';

// Outside a transaction, for CREATE INDEX CONCURRENTLY (see 004): a refresh may run meanwhile.
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
	await createIndexes(knex, ROLLUP_KEY_INDEXES);
}

export async function down(knex: Knex): Promise<void> {
	await dropIndexes(knex, ROLLUP_KEY_INDEXES);
}
