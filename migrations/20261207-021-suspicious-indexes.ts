import type { Knex } from 'knex';
import { createIndexes, dropIndexes } from './20261123-004-activity-indexes';

// The suspicious route reads only what can cross its threshold: busy (actor, hour) rows by their events, one
// actor's collections, and an actor's first and last row in the window (two index lookups, not a scan).
const SUSPICIOUS_INDEXES = [
	{
		name: 'activity_analytics_rollup_ips_by_events',
		table: 'activity_analytics_rollup_ips',
		columns: ['grain', 'events', 'bucket'],
	},
	{
		name: 'activity_analytics_rollup_users_by_events',
		table: 'activity_analytics_rollup_users',
		columns: ['grain', 'events', 'bucket'],
	},
	{
		name: 'activity_analytics_rollup_ip_dims_by_ip',
		table: 'activity_analytics_rollup_ip_dims',
		columns: ['grain', 'ip', 'bucket'],
	},
	{
		name: 'activity_analytics_rollup_user_dims_by_user',
		table: 'activity_analytics_rollup_user_dims',
		columns: ['grain', 'user', 'bucket'],
	},
	{ name: 'activity_analytics_activity_ip_timestamp', table: 'directus_activity', columns: ['ip', 'timestamp'] },
] as const;

export const name = '20261207-021-suspicious-indexes';

// Outside a transaction, for CREATE INDEX CONCURRENTLY (see 004): writers and refreshes go on meanwhile.
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
	await createIndexes(knex, SUSPICIOUS_INDEXES);
}

export async function down(knex: Knex): Promise<void> {
	await dropIndexes(knex, SUSPICIOUS_INDEXES);
}
