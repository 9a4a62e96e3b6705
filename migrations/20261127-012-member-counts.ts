import type { Knex } from 'knex';
import { dialectOf } from '../src/server/schema/dialect';
import { MEMBER_COUNTS_TABLE } from '../src/server/schema/member-tables';
import { fillMemberCounts } from '../src/server/members/update-member-counts';
import { ROLLUP_STATE_KEY, STATE_TABLE } from '../src/server/schema/rollup-tables';

export const name = '20261127-012-member-counts';

/**
 * Events per member per bucket (the top users and IPs), filled from the user and IP rollups through the
 * dictionary of migration 011. Idempotent: a rerun finds the table and fills it only while it is empty.
 */
export async function up(knex: Knex): Promise<void> {
	const dialect = dialectOf(knex);
	if (!(await knex.schema.hasTable(MEMBER_COUNTS_TABLE))) {
		await knex.schema.createTable(MEMBER_COUNTS_TABLE, (t) => {
			t.string('kind', 4).notNullable();
			t.string('grain', 1).notNullable();
			t.bigInteger('bucket').notNullable();
			// A day's vector of 50,000 IPs is about 200 KB: past MySQL's 64 KB BLOB.
			if (dialect === 'mysql') t.specificType('counts', 'longblob').notNullable();
			else t.binary('counts').notNullable();
			t.primary(['kind', 'grain', 'bucket']);
		});
	}
	// MySQL commits each CREATE TABLE: a run that stopped before the fill finds the table empty and fills it.
	if (await knex(MEMBER_COUNTS_TABLE).first('kind')) return;
	// The state row lock keeps a refresh on another instance from adding to the rollups meanwhile.
	if (await knex.schema.hasTable(STATE_TABLE)) await knex(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ updated_at: Date.now() });
	await fillMemberCounts(knex, dialect);
}

export async function down(knex: Knex): Promise<void> {
	await knex.schema.dropTableIfExists(MEMBER_COUNTS_TABLE);
}
