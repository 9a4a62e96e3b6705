import type { Knex } from 'knex';
import { dialectOf } from '../src/server/schema/dialect';
import { buildDayRows, utcDayOf } from '../src/server/rollup/close-buckets';
import { ROWS_ON_CLOSE_TABLES, ROLLUP_STATE_KEY, STATE_TABLE } from '../src/server/schema/rollup-tables';

export const name = '20261201-015-close-days';

const COLUMN = 'days_closed_before';

/**
 * The per-member tables stop upserting day rows in every refresh: a day's are built from its hours when it
 * closes (src/server/rollup/close-buckets.ts). Today becomes the first open day: its day rows go, its hours stay.
 */
export async function up(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(STATE_TABLE))) return;
	// The state row lock keeps an older instance's refresh from writing day rows while they go.
	const locked = await knex(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ updated_at: Date.now() });
	if (!(await knex.schema.hasColumn(STATE_TABLE, COLUMN))) {
		await knex.schema.alterTable(STATE_TABLE, (t) => {
			t.bigInteger(COLUMN).notNullable().defaultTo(0);
		});
	}
	if (locked === 0) return;
	const today = utcDayOf(Date.now());
	for (const table of ROWS_ON_CLOSE_TABLES) await knex(table.name).where({ grain: 'd' }).andWhere('bucket', '>=', today).delete();
	await knex(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ [COLUMN]: today });
}

/** Every open day gets its day rows back from its hours, so the refresh can upsert them again. */
export async function down(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(STATE_TABLE)) || !(await knex.schema.hasColumn(STATE_TABLE, COLUMN))) return;
	const state = await knex(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).first();
	if (state) {
		await knex(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ updated_at: Date.now() });
		await buildDayRows(knex, dialectOf(knex), Number(state[COLUMN]), Number.MAX_SAFE_INTEGER);
	}
	await knex.schema.alterTable(STATE_TABLE, (t) => {
		t.dropColumn(COLUMN);
	});
}
