import type { Knex } from 'knex';

const FLOW_ALERTS = 'activity_analytics_flow_alerts';

export const name = '20261207-020-flow-alerts';

// Flows whose failure rate crossed the threshold. A Directus collection (single id key), so an alert created
// through ItemsService emits items.create, which a Flow with an event trigger receives to notify someone.
export async function up(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(FLOW_ALERTS))) {
		await knex.schema.createTable(FLOW_ALERTS, (t) => {
			t.increments('id').primary();
			t.string('flow', 36).notNullable();
			t.string('name', 255).nullable();
			t.string('window', 8).notNullable();
			t.bigInteger('window_start').notNullable();
			t.bigInteger('runs').notNullable();
			t.bigInteger('succeeded').notNullable();
			t.bigInteger('failed').notNullable();
			t.double('failure_rate').notNullable();
			t.double('threshold').notNullable();
			t.bigInteger('last_failure_at').nullable();
			t.text('last_error').nullable();
			t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
			// Each flow and window is announced once, whichever instance refreshes.
			t.unique(['flow', 'window', 'window_start']);
		});
	}
	if (
		(await knex.schema.hasTable('directus_collections')) &&
		!(await knex('directus_collections').where({ collection: FLOW_ALERTS }).first())
	) {
		await knex('directus_collections').insert({
			collection: FLOW_ALERTS,
			icon: 'notification_important',
			note: 'Flows whose failure rate crossed the threshold (activity analytics).',
		});
	}
}

export async function down(knex: Knex): Promise<void> {
	if (await knex.schema.hasTable('directus_collections'))
		await knex('directus_collections').where({ collection: FLOW_ALERTS }).delete();
	await knex.schema.dropTableIfExists(FLOW_ALERTS);
}
