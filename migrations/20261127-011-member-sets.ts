import type { Knex } from 'knex';
import { dialectOf } from '../src/server/schema/dialect';
import { fillMemberSets } from '../src/server/members/fill-member-sets';
import { MEMBER_SETS_TABLE, MEMBERS_TABLE } from '../src/server/schema/member-tables';
import { DIMENSION_LENGTH, ROLLUP_STATE_KEY, STATE_TABLE } from '../src/server/schema/rollup-tables';

export const name = '20261127-011-member-sets';

/**
 * The member dictionary (user and IP values to small ids) and the per-bucket member sets, filled from the
 * wide rollups. Idempotent: a rerun finds the tables and leaves them.
 */
export async function up(knex: Knex): Promise<void> {
	const dialect = dialectOf(knex);
	if (!(await knex.schema.hasTable(MEMBERS_TABLE))) {
		await knex.schema.createTable(MEMBERS_TABLE, (t) => {
			t.string('kind', 4).notNullable();
			t.string('value', Math.max(DIMENSION_LENGTH.user, DIMENSION_LENGTH.ip)).notNullable();
			t.integer('id').notNullable();
			t.primary(['kind', 'value']);
			t.unique(['kind', 'id']);
		});
	}
	if (!(await knex.schema.hasTable(MEMBER_SETS_TABLE))) {
		await knex.schema.createTable(MEMBER_SETS_TABLE, (t) => {
			t.string('kind', 4).notNullable();
			t.string('grain', 1).notNullable();
			t.bigInteger('bucket').notNullable();
			t.string('collection', DIMENSION_LENGTH.collection).notNullable();
			// MySQL's BLOB stops at 64 KB: a day's set of a million ids is 125 KB.
			if (dialect === 'mysql') t.specificType('members', 'longblob').notNullable();
			else t.binary('members').notNullable();
			t.primary(['kind', 'grain', 'bucket', 'collection']);
		});
	}
	// MySQL commits each CREATE TABLE: a run that stopped before the fill finds empty sets and fills them.
	if (await knex(MEMBER_SETS_TABLE).first('kind')) return;
	// The state row lock keeps a refresh on another instance from adding to the rollups meanwhile.
	if (await knex.schema.hasTable(STATE_TABLE)) await knex(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ updated_at: Date.now() });
	await knex(MEMBERS_TABLE).delete();
	await fillMemberSets(knex, dialect);
}

export async function down(knex: Knex): Promise<void> {
	await knex.schema.dropTableIfExists(MEMBER_SETS_TABLE);
	await knex.schema.dropTableIfExists(MEMBERS_TABLE);
}
