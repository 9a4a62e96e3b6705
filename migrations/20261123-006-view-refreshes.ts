import type { Knex } from 'knex';

const VIEW_REFRESHES_TABLE = 'activity_analytics_view_refreshes';

export const name = '20261123-006-view-refreshes';

// Last refresh of each user materialized view the `refresh` task was given, for /analytics/status.
export async function up(knex: Knex): Promise<void> {
	if (await knex.schema.hasTable(VIEW_REFRESHES_TABLE)) return;
	await knex.schema.createTable(VIEW_REFRESHES_TABLE, (t) => {
		t.string('view', 128).primary();
		t.bigInteger('refreshed_at').notNullable();
		t.integer('duration_ms').notNullable();
		t.boolean('concurrently').notNullable();
	});
}

export async function down(knex: Knex): Promise<void> {
	await knex.schema.dropTableIfExists(VIEW_REFRESHES_TABLE);
}
