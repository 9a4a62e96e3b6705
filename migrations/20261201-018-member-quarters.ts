import type { Knex } from 'knex';
import { requestFill } from './20261127-011-member-sets';

export const name = '20261201-018-member-quarters';

const MEMBER_QUARTERS_TABLE = 'activity_analytics_member_quarters';

/**
 * Events per member per quarter hour and collection (src/server/members/update-member-quarters.ts), so a
 * window's sub-hour ends read vectors instead of raw rows. It asks for them to be
 * filled from the raw rows the rollups absorbed (see 011). Idempotent.
 */
export async function up(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(MEMBER_QUARTERS_TABLE))) {
		await knex.schema.createTable(MEMBER_QUARTERS_TABLE, (t) => {
			t.string('kind', 4).notNullable();
			t.bigInteger('bucket').notNullable();
			t.string('collection', 64).notNullable();
			if (String(knex.client.config.client).startsWith('mysql')) t.specificType('counts', 'longblob').notNullable();
			else t.binary('counts').notNullable();
			t.primary(['kind', 'bucket', 'collection']);
		});
	}
	await requestFill(knex, 'member_quarters', MEMBER_QUARTERS_TABLE);
}

export async function down(knex: Knex): Promise<void> {
	if (await knex.schema.hasTable('activity_analytics_state'))
		await knex('activity_analytics_state').where({ key: 'fill:member_quarters' }).delete();
	await knex.schema.dropTableIfExists(MEMBER_QUARTERS_TABLE);
}
