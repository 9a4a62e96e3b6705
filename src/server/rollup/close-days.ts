import type { Knex } from 'knex';
import { floorDivSql, quoteIdentifier, type Dialect } from '../dialect';
import type { RollupState } from './rollup-state';
import { DAY_ON_CLOSE_TABLES, ROLLUP_STATE_KEY, STATE_TABLE } from './rollup-tables';

// The per-member tables get their day rows here, once per day, instead of an upsert in every refresh: a
// day's keys there are about as many as its hours' keys. Rows that arrive later for a closed day (late
// commits, an archive absorbed again) go to both grains as before. See docs/rollups.md.

/** The start (epoch seconds) of the UTC day holding `ms`. */
export function utcDayOf(ms: number): number {
	return Math.floor(ms / 86_400_000) * 86_400;
}

/** Writes the day rows of the UTC days in [from, to) as the sums of their hour rows. */
export async function buildDayRows(trx: Knex.Transaction | Knex, dialect: Dialect, from: number, to: number): Promise<void> {
	const q = (name: string) => quoteIdentifier(dialect, name);
	for (const table of DAY_ON_CLOSE_TABLES) {
		const dims = table.dims.map(q);
		const columns = ['grain', 'bucket', ...table.dims, 'events'].map(q).join(', ');
		const groupBy = ['2', ...table.dims.map((_, i) => String(i + 3))].join(', ');
		const select = `select 'd', ${floorDivSql(dialect, q('bucket'), 86_400)} * 86400, ${dims.join(', ')}, sum(${q('events')}) from ${q(table.name)} where ${q('grain')} = 'h' and ${q('bucket')} >= ? and ${q('bucket')} < ? group by ${groupBy}`;
		// A closed day has no day rows yet; should one exist, its hours are the truth.
		const sql =
			dialect === 'mysql'
				? `insert into ${q(table.name)} (${columns}) ${select} on duplicate key update ${q('events')} = values(${q('events')})`
				: `insert into ${q(table.name)} (${columns}) ${select} on conflict (${['grain', 'bucket', ...table.dims].map(q).join(', ')}) do update set ${q('events')} = excluded.${q('events')}`;
		await trx.raw(sql, [from, to]);
	}
}

/**
 * Closes the UTC days that ended before `now` (ms): builds their day rows and moves the boundary. Runs under
 * the state row lock. Returns the boundary from which day rows are left to the close.
 */
export async function closeFinishedDays(trx: Knex.Transaction, dialect: Dialect, state: RollupState, now: number): Promise<number> {
	const today = utcDayOf(now);
	if (state.daysClosedBefore >= today) return state.daysClosedBefore;
	await buildDayRows(trx, dialect, state.daysClosedBefore, today);
	await trx(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ days_closed_before: today });
	return today;
}
