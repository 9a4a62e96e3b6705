import type { Knex } from 'knex';

const STATE_TABLE = 'activity_analytics_state';

export const name = '20261201-016-gap-floor';

const COLUMN = 'gap_floor';

/**
 * A backfill rebuilds from id 0: the ids missing below where the refresh had got to are deleted rows (erased,
 * archived), not transactions still open, and must not become gaps (every query reads the gaps raw).
 */
export async function up(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(STATE_TABLE)) || (await knex.schema.hasColumn(STATE_TABLE, COLUMN))) return;
	await knex.schema.alterTable(STATE_TABLE, (t) => {
		t.bigInteger(COLUMN).notNullable().defaultTo(0);
	});
}

export async function down(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(STATE_TABLE)) || !(await knex.schema.hasColumn(STATE_TABLE, COLUMN))) return;
	await knex.schema.alterTable(STATE_TABLE, (t) => {
		t.dropColumn(COLUMN);
	});
}
