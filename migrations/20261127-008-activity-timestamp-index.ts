import type { Knex } from 'knex';
import { ACTIVITY_TIMESTAMP_INDEXES } from '../src/server/schema/retention-tables';
import { createIndexes, dropIndexes } from './20261123-004-activity-indexes';

export const name = '20261127-008-activity-timestamp-index';

// Outside a transaction, for CREATE INDEX CONCURRENTLY (see 004).
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
	await createIndexes(knex, ACTIVITY_TIMESTAMP_INDEXES);
}

export async function down(knex: Knex): Promise<void> {
	await dropIndexes(knex, ACTIVITY_TIMESTAMP_INDEXES);
}
