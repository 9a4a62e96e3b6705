import type { Knex } from 'knex';
import { ROLLUP_KEY_INDEXES } from '../src/server/schema/rollup-tables';
import { createIndexes, dropIndexes } from './20261123-004-activity-indexes';

export const name = '20261127-010-rollup-key-indexes';

// Outside a transaction, for CREATE INDEX CONCURRENTLY (see 004): a refresh may run meanwhile.
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
	await createIndexes(knex, ROLLUP_KEY_INDEXES);
}

export async function down(knex: Knex): Promise<void> {
	await dropIndexes(knex, ROLLUP_KEY_INDEXES);
}
