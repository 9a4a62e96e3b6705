import type { Knex } from 'knex';
import { dialectOf } from '../src/server/schema/dialect';
import { moveOpenHours } from '../src/server/rollup/close-buckets';
import { readRollupState } from '../src/server/rollup/rollup-state';
import { ALL_HOURS_CLOSED, ROLLUP_STATE_KEY, STATE_TABLE } from '../src/server/schema/rollup-tables';

export const name = '20261201-017-open-hours';

const COLUMN = 'hours_closed_before';

/**
 * The per-member tables stop upserting the current hour's rows in every refresh: an hour's are built from the
 * raw rows when it closes (src/server/rollup/close-buckets.ts). Every hour starts closed; the next refresh
 * opens the current one.
 */
export async function up(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(STATE_TABLE)) || (await knex.schema.hasColumn(STATE_TABLE, COLUMN))) return;
	await knex.schema.alterTable(STATE_TABLE, (t) => {
		t.bigInteger(COLUMN).notNullable().defaultTo(ALL_HOURS_CLOSED);
	});
}

/** Every open hour gets its rows from the raw table, so the refresh can upsert them again. */
export async function down(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(STATE_TABLE)) || !(await knex.schema.hasColumn(STATE_TABLE, COLUMN))) return;
	// One transaction: the close stages its rows in a temporary table, and the state row lock keeps an
	// instance's refresh from moving the boundary meanwhile.
	await knex.transaction(async (trx) => {
		if ((await trx(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ updated_at: Date.now() })) === 0) return;
		await moveOpenHours(trx, dialectOf(trx), await readRollupState(trx), ALL_HOURS_CLOSED);
	});
	await knex.schema.alterTable(STATE_TABLE, (t) => {
		t.dropColumn(COLUMN);
	});
}
