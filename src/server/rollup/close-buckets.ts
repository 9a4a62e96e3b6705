import type { Knex } from 'knex';
import { type Dialect } from '../schema/dialect';
import { addRowsToMemberHours } from './rollup-batch';
import { rollupUpsertSql } from './rollup-upsert';
import type { RollupState } from './rollup-state';
import {
	ALL_HOURS_CLOSED,
	GAPS_TABLE,
	ROWS_ON_CLOSE_TABLES,
	ROLLUP_STATE_KEY,
	STATE_TABLE,
} from '../schema/rollup-tables';

// The per-member tables get their rows of a bucket once, when it closes, instead of an upsert in every
// refresh: their keys are mostly new in each hour and each day. An hour's rows are built from the raw rows
// the refresh absorbed, a day's from its hours. Rows that arrive later for a closed bucket (late commits,
// an archive absorbed again) are upserted as before. See docs/rollups.md.

/** The start (epoch seconds) of the UTC day holding `ms`. */
export function utcDayOf(ms: number): number {
	return Math.floor(ms / 86_400_000) * 86_400;
}

/** The start (epoch seconds) of the UTC hour holding `ms`. */
export function utcHourOf(ms: number): number {
	return Math.floor(ms / 3_600_000) * 3_600;
}

/**
 * Where a refresh at `now` leaves the open hours: from the current hour on. None where a time range cannot use
 * an index (SQLite): an hour's close would read the whole table.
 */
export function openHoursFrom(dialect: Dialect, now: number): number {
	return dialect.indexesTimestamps ? utcHourOf(now) : ALL_HOURS_CLOSED;
}

/**
 * Moves the start of the per-member tables' open hours to `to` (an hour boundary, or ALL_HOURS_CLOSED), under
 * the state row lock. Closing builds the hour rows of [from, to) from the raw rows absorbed so far (at or
 * below the watermark, not in an open gap); opening deletes the hour rows from `to` on, which queries then read
 * raw. Never opens a day that is closed. Returns the new boundary.
 */
export async function moveOpenHours(
	trx: Knex.Transaction,
	dialect: Dialect,
	state: RollupState,
	to: number,
): Promise<number> {
	const from = state.hoursClosedBefore;
	const target = Math.max(to, state.daysClosedBefore);
	if (target === from) return from;
	const q = (name: string) => dialect.quote(name);
	if (target > from) {
		const range = dialect.timestampRange(q('timestamp'), from, target >= ALL_HOURS_CLOSED ? null : target);
		const condition = `${range.sql} and ${q('id')} <= ? and not exists (select 1 from ${q(GAPS_TABLE)} g where g.${q('id')} = ${q('directus_activity')}.${q('id')})`;
		await addRowsToMemberHours(trx, dialect, 'directus_activity', condition, [...range.bindings, state.watermark]);
	} else {
		for (const table of ROWS_ON_CLOSE_TABLES)
			await trx(table.name).where({ grain: 'h' }).andWhere('bucket', '>=', target).delete();
	}
	await trx(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ hours_closed_before: target });
	state.hoursClosedBefore = target;
	return target;
}

/** Writes the day rows of the UTC days in [from, to) as the sums of their hour rows. */
export async function buildDayRows(
	trx: Knex.Transaction | Knex,
	dialect: Dialect,
	from: number,
	to: number,
): Promise<void> {
	const q = (name: string) => dialect.quote(name);
	for (const table of ROWS_ON_CLOSE_TABLES) {
		const dims = table.dims.map(q);
		const groupBy = ['2', ...table.dims.map((_, i) => String(i + 3))].join(', ');
		const select = `select 'd', ${dialect.floorDiv(q('bucket'), 86_400)} * 86400, ${dims.join(', ')}, sum(${q('events')}) from ${q(table.name)} where ${q('grain')} = 'h' and ${q('bucket')} >= ? and ${q('bucket')} < ? group by ${groupBy}`;
		// A closed day has no day rows yet; should one exist, its hours are the truth.
		await trx.raw(rollupUpsertSql(dialect, table, select, 'replace'), [from, to]);
	}
}

/**
 * Closes the UTC days that ended before `now` (ms): builds their day rows and moves the boundary. Runs under
 * the state row lock. Returns the boundary from which day rows are left to the close.
 */
export async function closeFinishedDays(
	trx: Knex.Transaction,
	dialect: Dialect,
	state: RollupState,
	now: number,
): Promise<number> {
	const today = utcDayOf(now);
	if (state.daysClosedBefore >= today) return state.daysClosedBefore;
	await buildDayRows(trx, dialect, state.daysClosedBefore, today);
	await trx(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ days_closed_before: today });
	return today;
}
