import type { Knex } from 'knex';
import { type Dialect } from '../schema/dialect';
import { ensureMemberIds } from '../members/member-dictionary';
import { MEMBER_SOURCES } from '../schema/member-tables';
import { addStagedMembers, removeVanishedMembers } from '../members/update-member-sets';
import { applyStagedQuarters } from '../members/update-member-quarters';
import { rollupUpsertSql } from './rollup-upsert';
import { applyFlowRuns } from './flow-run-rollups';
import {
	ALL_HOURS_CLOSED,
	DIMENSIONS,
	HOUR_AND_DAY,
	ROLLUP_TABLES,
	ROWS_ON_CLOSE_TABLES,
	type Grain,
	type RollupTable,
} from '../schema/rollup-tables';

// The refresh adds a batch of raw rows to every rollup; erasure subtracts one. Both go through one staging
// table, grouped once by quarter hour and every dimension, so the fan-out never reads the raw table twice.
const BATCH_TABLE = 'activity_analytics_batch';

function stageBatchSql(dialect: Dialect, source: string, condition: string): string[] {
	const q = (name: string) => dialect.quote(name);
	const epoch = dialect.epochWholeSeconds(q('timestamp'));
	const bucket = `${dialect.floorDiv(epoch, 900)} * 900`;
	const dims = DIMENSIONS.map((d) => `${dialect.dimensionText(q(d))} as ${q(d)}`);
	const select = `select ${bucket} as ${q('bucket')}, ${dims.join(', ')}, count(*) as ${q('n')} from ${q(source)} where ${condition} group by ${['1', ...DIMENSIONS.map((_, i) => String(i + 2))].join(', ')}`;
	return dialect.createTempTableAs(BATCH_TABLE, select);
}

function bucketOf(dialect: Dialect, grain: Grain): string {
	const q = (name: string) => dialect.quote(name);
	if (grain.seconds === 900) return q('bucket');
	return `${dialect.floorDiv(q('bucket'), grain.seconds)} * ${grain.seconds}`;
}

/** Where the per-member tables' open buckets start: their rows are built when those close (close-buckets.ts). */
export interface ClosedBefore {
	days: number;
	hours: number;
}

/** Every bucket closed: what the per-member tables hold when nothing is left to a close. */
const ALL_CLOSED: ClosedBefore = { days: Number.MAX_SAFE_INTEGER, hours: ALL_HOURS_CLOSED };

function upsertSql(dialect: Dialect, table: RollupTable, grain: Grain, sign: 1 | -1, closed: ClosedBefore): string {
	const q = (name: string) => dialect.quote(name);
	const dims = table.dims.map((d) => q(d));
	const groupBy = ['2', ...table.dims.map((_, i) => String(i + 3))].join(', ');
	// An open bucket's rows of these tables come from its close (close-buckets.ts), not from every batch.
	const openFrom = !table.rowsOnClose ? null : grain.key === 'd' ? closed.days : closed.hours;
	const where =
		openFrom === null || openFrom >= ALL_HOURS_CLOSED ? '1 = 1' : `${q('bucket')} < ${Math.trunc(openFrom)}`;
	const select = `select '${grain.key}', ${bucketOf(dialect, grain)}, ${dims.join(', ')}, ${sign < 0 ? '-' : ''}sum(${q('n')}) from ${q(BATCH_TABLE)} where ${where} group by ${groupBy}`;
	return rollupUpsertSql(dialect, table, select, 'add');
}

/**
 * Adds the rows of `source` matching `condition` to the hour rows of the per-member tables, and to nothing
 * else: an hour's close (close-buckets.ts), whose rows every other rollup absorbed already.
 */
export async function addRowsToMemberHours(
	trx: Knex.Transaction,
	dialect: Dialect,
	source: string,
	condition: string,
	bindings: readonly number[],
): Promise<void> {
	const [drop, create] = stageBatchSql(dialect, source, condition);
	await trx.raw(drop!);
	// Inlined: PostgreSQL takes no parameters in CREATE TABLE AS (they are whole numbers only).
	await trx.raw(trx.raw(create!, [...bindings]).toQuery());
	const hour = HOUR_AND_DAY.find((grain) => grain.key === 'h')!;
	for (const table of ROWS_ON_CLOSE_TABLES) await trx.raw(upsertSql(dialect, table, hour, 1, ALL_CLOSED));
	await trx.raw(dialect.dropTempTable(BATCH_TABLE));
}

/**
 * Adds the rows of `source` matching `condition` to the quarter vectors only (migration 018 fills them from
 * the rows every other rollup absorbed already).
 */
export async function addRowsToMemberQuarters(
	trx: Knex.Transaction,
	dialect: Dialect,
	source: string,
	condition: string,
): Promise<void> {
	for (const statement of stageBatchSql(dialect, source, condition)) await trx.raw(statement);
	const q = (name: string) => dialect.quote(name);
	for (const { kind } of MEMBER_SOURCES) {
		const values = dialect.rows<{ v: string }>(
			await trx.raw(`select distinct ${q(kind)} as ${q('v')} from ${q(BATCH_TABLE)} where ${q(kind)} <> ''`),
		);
		await applyStagedQuarters(
			trx,
			dialect,
			BATCH_TABLE,
			kind,
			1,
			await ensureMemberIds(
				trx,
				kind,
				values.map((row) => row.v),
			),
		);
	}
	await trx.raw(dialect.dropTempTable(BATCH_TABLE));
}

/**
 * Adds (sign 1) or subtracts (sign -1) the rows of `source` matching `condition` to or from every rollup, in
 * the caller's transaction, and to or from the member sets. Subtracting removes the rows it empties, so
 * distinct counts stay exact. `closed` is the state's, read under its lock; subtracting needs every hour
 * closed (erasure closes them first), since the member sets are checked against the per-member tables.
 */
export async function applyRowsToRollups(
	trx: Knex.Transaction,
	dialect: Dialect,
	source: string,
	condition: string,
	sign: 1 | -1,
	closed: ClosedBefore,
	now: number = Date.now(),
): Promise<void> {
	if (sign < 0 && closed.hours < ALL_HOURS_CLOSED)
		throw new Error('subtracting rows from the rollups needs every hour closed');
	for (const statement of stageBatchSql(dialect, source, condition)) await trx.raw(statement);
	const q = (name: string) => dialect.quote(name);
	for (const table of ROLLUP_TABLES) {
		for (const grain of table.grains) await trx.raw(upsertSql(dialect, table, grain, sign, closed));
	}
	if (sign < 0) {
		const [range] = dialect.rows<{ lo: number | string | null; hi: number | string | null }>(
			await trx.raw(`select min(${q('bucket')}) as lo, max(${q('bucket')}) as hi from ${q(BATCH_TABLE)}`),
		);
		if (range?.lo !== null && range?.lo !== undefined) {
			// The day bucket holding the earliest quarter hour starts up to a day before it.
			const lo = Math.floor(Number(range.lo) / 86_400) * 86_400;
			for (const table of ROLLUP_TABLES) {
				await trx(table.name)
					.where('bucket', '>=', lo)
					.andWhere('bucket', '<=', Number(range.hi))
					.andWhere('events', '<=', 0)
					.delete();
			}
		}
		await removeVanishedMembers(trx, dialect, BATCH_TABLE, closed.days);
	} else {
		await addStagedMembers(trx, dialect, BATCH_TABLE);
	}
	await trx.raw(dialect.dropTempTable(BATCH_TABLE));
	await applyFlowRuns(trx, dialect, source, condition, sign, now);
}
