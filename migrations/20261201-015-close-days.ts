import type { Knex } from 'knex';

export const name = '20261201-015-close-days';

const STATE_TABLE = 'activity_analytics_state';
const COLUMN = 'days_closed_before';
const PER_MEMBER_TABLES = [
	'activity_analytics_rollup_ip_users',
	'activity_analytics_rollup_user_dims',
	'activity_analytics_rollup_ip_dims',
];
const ROLLUP_TABLES = [
	'activity_analytics_rollup_events',
	'activity_analytics_rollup_users',
	'activity_analytics_rollup_ips',
	...PER_MEMBER_TABLES,
];
const MEMBER_TABLES = [
	'activity_analytics_members',
	'activity_analytics_member_sets',
	'activity_analytics_member_counts',
	'activity_analytics_member_quarters',
];

/** What "today" is read from: a test sets its own instead of waiting out a day's end. */
export const clock = { now: (): number => Date.now() };

/**
 * The per-member tables stop upserting day rows in every refresh: a day's are built from its hours when it
 * closes (src/server/rollup/close-buckets.ts). Today becomes the first open day: its day rows go, its hours stay.
 */
export async function up(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(STATE_TABLE))) return;
	// The state row lock keeps an older instance's refresh from writing day rows while they go.
	const locked = await knex(STATE_TABLE).where({ key: 'rollup' }).update({ updated_at: Date.now() });
	if (!(await knex.schema.hasColumn(STATE_TABLE, COLUMN))) {
		await knex.schema.alterTable(STATE_TABLE, (t) => {
			t.bigInteger(COLUMN).notNullable().defaultTo(0);
		});
	}
	if (locked === 0) return;
	const today = Math.floor(clock.now() / 86_400_000) * 86_400;
	for (const table of PER_MEMBER_TABLES)
		await knex(table).where({ grain: 'd' }).andWhere('bucket', '>=', today).delete();
	await knex(STATE_TABLE)
		.where({ key: 'rollup' })
		.update({ [COLUMN]: today });
}

/**
 * Empties the rollups and sets the watermark back to 0, so the older code's refresh rebuilds them from
 * directus_activity (`npx directus analytics backfill` adds the archived rows back). Also 017's down: the rows
 * its up left to the close are not rebuilt here, which would copy the close's SQL into a migration.
 */
export async function resetRollupsForDowngrade(knex: Knex): Promise<void> {
	await knex.transaction(async (trx) => {
		// A write first takes the state row lock, so no refresh runs meanwhile (SQLite has no FOR UPDATE).
		if ((await trx(STATE_TABLE).where({ key: 'rollup' }).update({ updated_at: Date.now() })) === 0) return;
		const state = (await trx(STATE_TABLE).where({ key: 'rollup' }).first()) as Record<string, unknown>;
		for (const table of [...ROLLUP_TABLES, ...MEMBER_TABLES])
			if (await trx.schema.hasTable(table)) await trx(table).delete();
		const floor = (await trx.schema.hasColumn(STATE_TABLE, 'gap_floor'))
			? { gap_floor: Math.max(Number(state['gap_floor']), Number(state['watermark'])) }
			: {};
		await trx(STATE_TABLE)
			.where({ key: 'rollup' })
			.update({ watermark: 0, generation: Number(state['generation']) + 1, updated_at: Date.now(), ...floor });
	});
}

export async function down(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(STATE_TABLE)) || !(await knex.schema.hasColumn(STATE_TABLE, COLUMN))) return;
	await resetRollupsForDowngrade(knex);
	await knex.schema.alterTable(STATE_TABLE, (t) => {
		t.dropColumn(COLUMN);
	});
}
