import type { Knex } from 'knex';
import { requestFill } from './20261127-011-member-sets';

export const name = '20261127-012-member-counts';

const MEMBER_COUNTS_TABLE = 'activity_analytics_member_counts';

/**
 * Events per member per bucket (the top users and IPs). It asks for them to be filled
 * from the user and IP rollups through the dictionary of 011 (see 011). Idempotent.
 */
export async function up(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(MEMBER_COUNTS_TABLE))) {
		await knex.schema.createTable(MEMBER_COUNTS_TABLE, (t) => {
			t.string('kind', 4).notNullable();
			t.string('grain', 1).notNullable();
			t.bigInteger('bucket').notNullable();
			// A day's vector of 50,000 IPs is about 200 KB: past MySQL's 64 KB BLOB.
			if (String(knex.client.config.client).startsWith('mysql')) t.specificType('counts', 'longblob').notNullable();
			else t.binary('counts').notNullable();
			t.primary(['kind', 'grain', 'bucket']);
		});
	}
	await requestFill(knex, 'member_counts', MEMBER_COUNTS_TABLE);
}

export async function down(knex: Knex): Promise<void> {
	if (await knex.schema.hasTable('activity_analytics_state'))
		await knex('activity_analytics_state').where({ key: 'fill:member_counts' }).delete();
	await knex.schema.dropTableIfExists(MEMBER_COUNTS_TABLE);
}
