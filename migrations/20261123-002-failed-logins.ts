import type { Knex } from 'knex';

const FAILED_LOGINS_TABLE = 'activity_analytics_failed_logins';

export const name = '20261123-002-failed-logins';

// Directus writes no activity for a failed login; the hook records them here (auth.login, status fail).
export async function up(knex: Knex): Promise<void> {
	if (await knex.schema.hasTable(FAILED_LOGINS_TABLE)) return;
	await knex.schema.createTable(FAILED_LOGINS_TABLE, (t) => {
		t.bigIncrements('id').primary();
		t.bigInteger('at').notNullable().index();
		t.string('ip', 50);
		t.string('identifier', 255);
		t.string('user', 36);
		t.string('provider', 128);
	});
}

export async function down(knex: Knex): Promise<void> {
	await knex.schema.dropTableIfExists(FAILED_LOGINS_TABLE);
}
