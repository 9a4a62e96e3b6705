import type { Knex } from 'knex';

const WRITER_LEDGER_TABLE = 'activity_analytics_writer_ledger';
const WRITER_COLLECTIONS_TABLE = 'activity_analytics_writer_collections';
const DROPPED_TRIGGERS_TABLE = 'activity_analytics_dropped_triggers';
const EVENT_KEY_LENGTH = 36;

export const name = '20261123-003-writer-tables';

export async function up(knex: Knex): Promise<void> {
	// One row per written event, committed with its activity row: a retried batch skips what is already here.
	if (!(await knex.schema.hasTable(WRITER_LEDGER_TABLE))) {
		const postgres = knex.client.config.client === 'pg' || knex.client.config.client === 'postgres';
		await knex.schema.createTable(WRITER_LEDGER_TABLE, (t) => {
			// uuid on PostgreSQL (16 bytes), char(36) elsewhere: the key is checked for every event written.
			if (postgres) t.uuid('event_key').primary();
			else t.string('event_key', EVENT_KEY_LENGTH).primary();
			t.bigInteger('activity').notNullable();
			t.bigInteger('revision').nullable();
			t.bigInteger('written_at').notNullable();
			// Only pruning reads written_at, and it only grows: BRIN costs next to nothing to maintain.
			if (!postgres) t.index(['written_at']);
		});
		if (postgres)
			await knex.raw(
				`create index ${WRITER_LEDGER_TABLE}_written_at_brin on ${WRITER_LEDGER_TABLE} using brin (written_at)`,
			);
	}
	// Collections under the writer, with the accountability Directus had before, so `disable` restores it exactly.
	if (!(await knex.schema.hasTable(WRITER_COLLECTIONS_TABLE))) {
		await knex.schema.createTable(WRITER_COLLECTIONS_TABLE, (t) => {
			t.string('collection', 64).primary();
			t.string('original_accountability', 16).nullable();
			t.bigInteger('enabled_at').notNullable();
		});
	}
	// Legacy audit triggers dropped by `analytics triggers apply`, with the SQL that puts each back.
	if (!(await knex.schema.hasTable(DROPPED_TRIGGERS_TABLE))) {
		await knex.schema.createTable(DROPPED_TRIGGERS_TABLE, (t) => {
			t.increments('id').primary();
			t.string('collection', 64).notNullable();
			t.string('trigger_name', 128).notNullable();
			t.text('definition').notNullable();
			t.bigInteger('dropped_at').notNullable();
		});
	}
}

export async function down(knex: Knex): Promise<void> {
	await knex.schema.dropTableIfExists(DROPPED_TRIGGERS_TABLE);
	await knex.schema.dropTableIfExists(WRITER_COLLECTIONS_TABLE);
	await knex.schema.dropTableIfExists(WRITER_LEDGER_TABLE);
}
