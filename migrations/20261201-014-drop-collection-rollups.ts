import type { Knex } from 'knex';
import { COLLECTION_ROLLUPS, fillCollectionRollups } from './20261127-009-collection-rollups';

const STATE_TABLE = 'activity_analytics_state';
const ROLLUP_STATE_KEY = 'rollup';

export const name = '20261201-014-drop-collection-rollups';

/**
 * The users- and IPs-per-collection tables of 009 go: the member sets (011) answer the queries they were
 * made for, the wide tables hold the rest, and every refresh wrote four upserts into them.
 */
export async function up(knex: Knex): Promise<void> {
	// The state row lock keeps an older instance's refresh from writing into them while they go.
	if (await knex.schema.hasTable(STATE_TABLE))
		await knex(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ updated_at: Date.now() });
	for (const { name: table } of COLLECTION_ROLLUPS) await knex.schema.dropTableIfExists(table);
}

/** Rebuilt from the wide tables, exactly as 009 first filled them. */
export async function down(knex: Knex): Promise<void> {
	await fillCollectionRollups(knex);
}
