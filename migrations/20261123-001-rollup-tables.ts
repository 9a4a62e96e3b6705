import type { Knex } from 'knex';

// Frozen: the names and widths as this migration first created them, never read from live code.
const STATE_TABLE = 'activity_analytics_state';
const GAPS_TABLE = 'activity_analytics_gaps';
const ALERTS_TABLE = 'activity_analytics_alerts';
/** Column widths as Directus declares them on directus_activity. */
export const DIMENSION_LENGTH = { collection: 64, action: 45, origin: 255, user: 36, ip: 50 } as const;

export interface RollupTable {
	name: string;
	dims: readonly (keyof typeof DIMENSION_LENGTH)[];
}

const ROLLUP_TABLES: readonly RollupTable[] = [
	{ name: 'activity_analytics_rollup_events', dims: ['collection', 'action', 'origin'] },
	{ name: 'activity_analytics_rollup_users', dims: ['user'] },
	{ name: 'activity_analytics_rollup_ips', dims: ['ip'] },
	{ name: 'activity_analytics_rollup_ip_users', dims: ['ip', 'user'] },
	{ name: 'activity_analytics_rollup_user_dims', dims: ['collection', 'action', 'origin', 'user'] },
	{ name: 'activity_analytics_rollup_ip_dims', dims: ['collection', 'action', 'origin', 'ip'] },
];

export const name = '20261123-001-rollup-tables';

export async function createRollupTable(knex: Knex, table: RollupTable): Promise<void> {
	if (await knex.schema.hasTable(table.name)) return;
	await knex.schema.createTable(table.name, (t) => {
		t.string('grain', 1).notNullable();
		t.bigInteger('bucket').notNullable();
		// '' stands for NULL so the primary key can hold it; queries map it back.
		for (const dim of table.dims) t.string(dim, DIMENSION_LENGTH[dim]).notNullable().defaultTo('');
		t.bigInteger('events').notNullable();
		t.primary(['grain', 'bucket', ...table.dims]);
	});
}

// Idempotent both ways: safe to rerun after a crash half-way.
export async function up(knex: Knex): Promise<void> {
	// The rollups this migration created when it was written (009 added two more, which 014 dropped again).
	for (const table of ROLLUP_TABLES) await createRollupTable(knex, table);
	if (!(await knex.schema.hasTable(STATE_TABLE))) {
		await knex.schema.createTable(STATE_TABLE, (t) => {
			t.string('key', 64).primary();
			t.bigInteger('watermark').notNullable().defaultTo(0);
			t.bigInteger('generation').notNullable().defaultTo(0);
			t.bigInteger('last_refresh_at');
			t.integer('last_refresh_ms');
			t.bigInteger('last_refresh_rows');
			t.bigInteger('updated_at');
		});
	}
	if (!(await knex.schema.hasTable(GAPS_TABLE))) {
		await knex.schema.createTable(GAPS_TABLE, (t) => {
			t.bigInteger('id').primary();
			t.bigInteger('seen_at').notNullable();
		});
	}
	if (!(await knex.schema.hasTable(ALERTS_TABLE))) {
		// A Directus collection (single id key), so creating an alert through ItemsService emits items.create,
		// which Flows with an event trigger can catch (an extension's own emitter cannot reach Flows).
		await knex.schema.createTable(ALERTS_TABLE, (t) => {
			t.increments('id').primary();
			t.string('by', 8).notNullable();
			t.string('actor', 64).notNullable();
			t.string('window', 8).notNullable();
			t.bigInteger('window_start').notNullable();
			t.bigInteger('peak').notNullable();
			t.bigInteger('threshold').notNullable();
			t.text('touched');
			t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
			// Each actor and window is announced once, whichever instance refreshes.
			t.unique(['by', 'actor', 'window_start']);
		});
	}
	if (
		(await knex.schema.hasTable('directus_collections')) &&
		!(await knex('directus_collections').where({ collection: ALERTS_TABLE }).first())
	) {
		await knex('directus_collections').insert({
			collection: ALERTS_TABLE,
			icon: 'gpp_maybe',
			note: 'Actors that crossed the suspicious-activity threshold (activity analytics).',
		});
	}
}

export async function down(knex: Knex): Promise<void> {
	if (await knex.schema.hasTable('directus_collections'))
		await knex('directus_collections').where({ collection: ALERTS_TABLE }).delete();
	for (const table of [...ROLLUP_TABLES.map((r) => r.name), STATE_TABLE, GAPS_TABLE, ALERTS_TABLE]) {
		await knex.schema.dropTableIfExists(table);
	}
}
