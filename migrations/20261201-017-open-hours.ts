import type { Knex } from 'knex';
import { resetRollupsForDowngrade } from './20261201-015-close-days';

export const name = '20261201-017-open-hours';

const STATE_TABLE = 'activity_analytics_state';
const COLUMN = 'hours_closed_before';
/** No hour open: the per-member tables hold every absorbed row's hour. */
const ALL_HOURS_CLOSED = Number.MAX_SAFE_INTEGER;

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

/** The open hours' per-member rows were never written: the rollups are rebuilt (see 015's down). */
export async function down(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(STATE_TABLE)) || !(await knex.schema.hasColumn(STATE_TABLE, COLUMN))) return;
	const state = await knex(STATE_TABLE).where({ key: 'rollup' }).first(COLUMN);
	if (state && Number(state[COLUMN]) < ALL_HOURS_CLOSED) await resetRollupsForDowngrade(knex);
	await knex.schema.alterTable(STATE_TABLE, (t) => {
		t.dropColumn(COLUMN);
	});
}
