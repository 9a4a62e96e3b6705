import type { Knex } from 'knex';
import { dialectOf, quoteIdentifier } from '../src/server/schema/dialect';
import { MEMBER_QUARTERS_TABLE } from '../src/server/schema/member-tables';
import { addRowsToMemberQuarters } from '../src/server/rollup/rollup-batch';
import { readRollupState } from '../src/server/rollup/rollup-state';
import { DIMENSION_LENGTH, GAPS_TABLE, ROLLUP_STATE_KEY, STATE_TABLE } from '../src/server/schema/rollup-tables';

export const name = '20261201-018-member-quarters';

// Ids per staged chunk: a chunk's quarter vectors are built in memory, so this bounds what one holds.
const CHUNK_IDS = 200_000;

/**
 * Events per member per quarter hour and collection (src/server/members/update-member-quarters.ts), so a
 * window's sub-hour ends read vectors instead of raw rows. Filled from the raw rows the rollups absorbed (at or
 * below the watermark, not in an open gap), a chunk of ids at a time. Idempotent: a rerun fills the table only
 * while it is empty.
 */
export async function up(knex: Knex): Promise<void> {
	const dialect = dialectOf(knex);
	if (!(await knex.schema.hasTable(MEMBER_QUARTERS_TABLE))) {
		await knex.schema.createTable(MEMBER_QUARTERS_TABLE, (t) => {
			t.string('kind', 4).notNullable();
			t.bigInteger('bucket').notNullable();
			t.string('collection', DIMENSION_LENGTH.collection).notNullable();
			if (dialect === 'mysql') t.specificType('counts', 'longblob').notNullable();
			else t.binary('counts').notNullable();
			t.primary(['kind', 'bucket', 'collection']);
		});
	}
	// MySQL commits each CREATE TABLE: a run that stopped before the fill finds the table empty and fills it.
	if (!(await knex.schema.hasTable(STATE_TABLE)) || (await knex(MEMBER_QUARTERS_TABLE).first('kind'))) return;
	await knex.transaction(async (trx) => {
		// The state row lock keeps a refresh on another instance from absorbing rows meanwhile.
		if ((await trx(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ updated_at: Date.now() })) === 0) return;
		const { watermark } = await readRollupState(trx);
		const q = (column: string) => quoteIdentifier(dialect, column);
		const first = await trx('directus_activity').where('id', '<=', watermark).min({ id: 'id' }).first();
		if (first?.id === null || first?.id === undefined) return;
		for (let lo = Number(first.id) - 1; lo < watermark; lo += CHUNK_IDS) {
			const hi = Math.min(watermark, lo + CHUNK_IDS);
			await addRowsToMemberQuarters(trx, dialect, 'directus_activity', `${q('id')} > ${Math.trunc(lo)} and ${q('id')} <= ${Math.trunc(hi)} and ${q('id')} not in (select ${q('id')} from ${q(GAPS_TABLE)})`);
		}
	});
}

export async function down(knex: Knex): Promise<void> {
	await knex.schema.dropTableIfExists(MEMBER_QUARTERS_TABLE);
}
