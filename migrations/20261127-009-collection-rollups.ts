import type { Knex } from 'knex';
import { createRollupTable, type RollupTable } from './20261123-001-rollup-tables';

const STATE_TABLE = 'activity_analytics_state';
const ROLLUP_STATE_KEY = 'rollup';
/** Each one projects the wide table it is filled from. */
export const COLLECTION_ROLLUPS: readonly (RollupTable & { from: string })[] = [
	{
		name: 'activity_analytics_rollup_collection_users',
		dims: ['collection', 'user'],
		from: 'activity_analytics_rollup_user_dims',
	},
	{
		name: 'activity_analytics_rollup_collection_ips',
		dims: ['collection', 'ip'],
		from: 'activity_analytics_rollup_ip_dims',
	},
];

export const name = '20261127-009-collection-rollups';

/**
 * Users and IPs per collection get tables of their own. Each is a projection of a wide table, so an
 * existing installation fills it by summing that table: exact, and without rereading directus_activity.
 */
export async function up(knex: Knex): Promise<void> {
	// The state row lock keeps a refresh on another instance from adding to the wide table meanwhile.
	if (await knex.schema.hasTable(STATE_TABLE))
		await knex(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ updated_at: Date.now() });
	await fillCollectionRollups(knex);
}

/** Creates the two tables and fills each from the wide table it projects (also 014's down). */
export async function fillCollectionRollups(knex: Knex): Promise<void> {
	for (const spec of COLLECTION_ROLLUPS) {
		const { name: table, from } = spec;
		await createRollupTable(knex, spec);
		if (await knex(table).first('grain')) continue;
		const columns = ['grain', 'bucket', ...spec.dims];
		await knex.raw(
			`insert into ?? (${columns.map(() => '??').join(', ')}, ??) select ${columns.map(() => '??').join(', ')}, sum(??) from ?? group by ${columns.map(() => '??').join(', ')}`,
			[table, ...columns, 'events', ...columns, 'events', from, ...columns],
		);
	}
}

export async function down(knex: Knex): Promise<void> {
	for (const { name: table } of COLLECTION_ROLLUPS) await knex.schema.dropTableIfExists(table);
}
