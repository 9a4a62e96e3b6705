import type { Knex } from 'knex';
import { requestFill } from './20261127-011-member-sets';

const FLOW_RUNS = 'activity_analytics_flow_runs';
const FLOW_STEPS = 'activity_analytics_flow_steps';
const FLOW_FAILURES = 'activity_analytics_flow_failures';
const FLOW_PENDING = 'activity_analytics_flow_pending';

export const name = '20261204-019-flow-runs';

// Flow health: runs per flow and outcome and step outcomes per operation, by hour, and one row per failed
// run. The flow runs the activity rollups already absorbed are counted by a fill (live code, after this).
export async function up(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(FLOW_RUNS))) {
		await knex.schema.createTable(FLOW_RUNS, (t) => {
			t.string('grain', 1).notNullable();
			t.bigInteger('bucket').notNullable();
			t.string('flow', 36).notNullable();
			t.string('outcome', 16).notNullable();
			t.bigInteger('events').notNullable();
			t.primary(['grain', 'bucket', 'flow', 'outcome']);
		});
	}
	if (!(await knex.schema.hasTable(FLOW_STEPS))) {
		await knex.schema.createTable(FLOW_STEPS, (t) => {
			t.string('grain', 1).notNullable();
			t.bigInteger('bucket').notNullable();
			t.string('flow', 36).notNullable();
			// The step's operation id ('' when the revision names none).
			t.string('operation', 36).notNullable();
			t.string('status', 16).notNullable();
			t.bigInteger('events').notNullable();
			t.primary(['grain', 'bucket', 'flow', 'operation', 'status']);
		});
	}
	if (!(await knex.schema.hasTable(FLOW_FAILURES))) {
		await knex.schema.createTable(FLOW_FAILURES, (t) => {
			// The run's directus_activity id.
			t.bigInteger('id').primary();
			t.string('flow', 36).notNullable();
			t.bigInteger('at').notNullable();
			t.string('user', 36).nullable();
			t.string('operation', 36).nullable();
			t.string('step_key', 255).nullable();
			t.string('step_status', 16).notNullable();
			t.text('error').nullable();
			t.index(['at', 'id']);
			t.index(['flow', 'at']);
		});
	}
	if (!(await knex.schema.hasTable(FLOW_PENDING))) {
		await knex.schema.createTable(FLOW_PENDING, (t) => {
			t.bigInteger('id').primary();
			t.bigInteger('at').notNullable();
		});
	}
	await requestFill(knex, 'flow_runs', FLOW_RUNS);
}

export async function down(knex: Knex): Promise<void> {
	if (await knex.schema.hasTable('activity_analytics_state'))
		await knex('activity_analytics_state').where({ key: 'fill:flow_runs' }).delete();
	for (const table of [FLOW_PENDING, FLOW_FAILURES, FLOW_STEPS, FLOW_RUNS]) await knex.schema.dropTableIfExists(table);
}
