import type { Knex } from 'knex';

const ARCHIVE_ACTIVITY_TABLE = 'activity_analytics_archive_activity';
const ARCHIVE_REVISIONS_TABLE = 'activity_analytics_archive_revisions';

export const name = '20261123-005-archive-tables';

// Where retention moves old rows: Directus's columns, same ids, plus when each row was archived.
export async function up(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(ARCHIVE_ACTIVITY_TABLE))) {
		await knex.schema.createTable(ARCHIVE_ACTIVITY_TABLE, (t) => {
			t.bigInteger('id').primary();
			t.string('action', 45).notNullable();
			t.string('user', 36).nullable();
			t.timestamp('timestamp', { useTz: true }).nullable();
			t.string('ip', 50).nullable();
			t.text('user_agent').nullable();
			t.string('collection', 64).notNullable();
			t.string('item', 255).notNullable();
			t.string('origin', 255).nullable();
			t.bigInteger('archived_at').notNullable();
			t.index(['timestamp']);
		});
	}
	if (!(await knex.schema.hasTable(ARCHIVE_REVISIONS_TABLE))) {
		await knex.schema.createTable(ARCHIVE_REVISIONS_TABLE, (t) => {
			t.bigInteger('id').primary();
			t.bigInteger('activity').notNullable().index();
			t.string('collection', 64).notNullable();
			t.string('item', 255).notNullable();
			t.text('data').nullable();
			t.text('delta').nullable();
			t.bigInteger('parent').nullable();
			t.string('version', 36).nullable();
			t.bigInteger('archived_at').notNullable();
		});
	}
}

export async function down(knex: Knex): Promise<void> {
	await knex.schema.dropTableIfExists(ARCHIVE_REVISIONS_TABLE);
	await knex.schema.dropTableIfExists(ARCHIVE_ACTIVITY_TABLE);
}
