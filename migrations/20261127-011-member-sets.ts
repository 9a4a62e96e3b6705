import type { Knex } from 'knex';

export const name = '20261127-011-member-sets';

const MEMBERS_TABLE = 'activity_analytics_members';
const MEMBER_SETS_TABLE = 'activity_analytics_member_sets';
const STATE_TABLE = 'activity_analytics_state';

/**
 * The member dictionary (user and IP values to small ids) and the per-bucket member sets. The migration asks for
 * them to be filled from the wide rollups (a `fill:` state row, src/server/rollup/requested-fills.ts):
 * the fill is live code, run before the next refresh and before any answer. Idempotent: a rerun finds the
 * tables, and the request once.
 */
export async function up(knex: Knex): Promise<void> {
	const mysql = String(knex.client.config.client).startsWith('mysql');
	if (!(await knex.schema.hasTable(MEMBERS_TABLE))) {
		await knex.schema.createTable(MEMBERS_TABLE, (t) => {
			t.string('kind', 4).notNullable();
			t.string('value', 50).notNullable();
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
			t.string('collection', 64).notNullable();
			// MySQL's BLOB stops at 64 KB: a day's set of a million ids is 125 KB.
			if (mysql) t.specificType('members', 'longblob').notNullable();
			else t.binary('members').notNullable();
			t.primary(['kind', 'grain', 'bucket', 'collection']);
		});
	}
	await requestFill(knex, 'member_sets', MEMBER_SETS_TABLE);
}

/** A `fill:<name>` state row while `table` is empty (on a fresh install the fill finds nothing and is quick). */
export async function requestFill(knex: Knex, fill: string, table: string): Promise<void> {
	if (!(await knex.schema.hasTable(STATE_TABLE)) || (await knex(table).first())) return;
	await knex(STATE_TABLE)
		.insert({ key: `fill:${fill}`, updated_at: Date.now() })
		.onConflict('key')
		.ignore();
}

export async function down(knex: Knex): Promise<void> {
	if (await knex.schema.hasTable(STATE_TABLE)) await knex(STATE_TABLE).where({ key: 'fill:member_sets' }).delete();
	await knex.schema.dropTableIfExists(MEMBER_SETS_TABLE);
	await knex.schema.dropTableIfExists(MEMBERS_TABLE);
}
