import type { Knex } from 'knex';
import { dialectOf, type Dialect } from '../schema/dialect';
import { MEMBER_COUNTS_TABLE, MEMBER_QUARTERS_TABLE, MEMBERS_TABLE, MEMBER_SETS_TABLE } from '../schema/member-tables';
import { closeFinishedDays, moveOpenHours, openHoursFrom } from './close-buckets';
import { applyRowsToRollups } from './rollup-batch';
import { absorbPendingFlowRuns, resetFlowRollups } from './flow-run-rollups';
import { FILL_KEY_PREFIX, runRequestedFills } from './requested-fills';
import { ensureStateRow, lockState, withRetry } from './rollup-lock';
import { GAPS_TABLE, ROLLUP_STATE_KEY, ROLLUP_TABLES, STATE_TABLE } from '../schema/rollup-tables';

export interface RefreshOptions {
	/** Rows absorbed per transaction; each batch commits on its own, so a crash loses no progress. */
	batchSize?: number;
	/** Ids missing below the watermark are rechecked this long, for transactions that commit late. */
	gapTtlMs?: number;
	/** Stop after this many batches (a backfill passes Infinity). */
	maxBatches?: number;
	onProgress?: (absorbed: number, watermark: number) => void;
	/** The clock hours and days close by (epoch ms); tests pass their own instead of waiting for an hour's end. */
	clock?: () => number;
}

export interface RefreshResult {
	rows: number;
	batches: number;
	watermark: number;
	gapsOpen: number;
	durationMs: number;
	generation: number;
	/** Of durationMs: building the per-member rows of hours and days that closed (close-buckets.ts). */
	closeMs: { hours: number; days: number };
}

// A wide sequence hole (a bulk rollback, a reseeded sequence) is not worth tracking id by id.
const MAX_GAPS_PER_BATCH = 100_000;

function inList(ids: number[]): string {
	return ids.map((id) => String(Math.trunc(id))).join(', ');
}

/**
 * How many ids the next batch above the watermark holds, and its last: the ids themselves travel only when
 * some are missing in between (a gap to track), which a steady stream of inserts rarely leaves.
 */
async function nextBatch(
	trx: Knex.Transaction,
	dialect: Dialect,
	watermark: number,
	batchSize: number,
): Promise<{ count: number; last: number }> {
	const [row] = dialect.rows<{ n: number | string; last: number | string | null }>(
		await trx.raw(
			`select count(*) as n, max(id) as ${dialect.quote('last')} from (select id from directus_activity where id > ? order by id limit ?) s`,
			[watermark, batchSize],
		),
	);
	return { count: Number(row?.n ?? 0), last: Number(row?.last ?? watermark) };
}

async function absorbBatch(
	database: Knex,
	dialect: Dialect,
	options: Required<Omit<RefreshOptions, 'onProgress'>>,
): Promise<{
	rows: number;
	watermark: number;
	gapsOpen: number;
	generation: number;
	done: boolean;
	closeMs: { hours: number; days: number };
}> {
	// INSERT ... SELECT reads directus_activity without locking it (READ COMMITTED on MySQL), so an open write
	// transaction neither blocks the refresh nor is blocked by it.
	const config = dialect.nonLockingReadConfig;
	return database.transaction(async (trx) => {
		const now = options.clock();
		const state = await lockState(trx, dialect, now);
		// Hours first: a day closes from its hours' rows.
		const started = performance.now();
		const hoursClosedBefore = await moveOpenHours(trx, dialect, state, openHoursFrom(dialect, now));
		const hoursClosed = performance.now();
		const daysClosedBefore = await closeFinishedDays(trx, dialect, state, now);
		const closeMs = { hours: Math.round(hoursClosed - started), days: Math.round(performance.now() - hoursClosed) };
		const batch = await nextBatch(trx, dialect, state.watermark, options.batchSize);
		// Ids below the new watermark that are not there yet may belong to transactions still open. They are
		// listed before the rows are read and left out of that read: one committing in between is absorbed
		// through its gap later, once, not now and again then. Holes at or below the gap floor (ids a refresh
		// before a backfill had already passed) are deleted rows, not open transactions: no gap for them.
		const newGaps: number[] = [];
		let live = batch.count;
		if (batch.count > 0 && batch.last - state.watermark > batch.count) {
			const ids = (
				await trx('directus_activity')
					.where('id', '>', state.watermark)
					.andWhere('id', '<=', batch.last)
					.orderBy('id', 'asc')
					.pluck('id')
			).map(Number);
			live = ids.length;
			let expected = Math.max(state.watermark, state.gapFloor) + 1;
			for (const id of ids) {
				for (; expected < id && newGaps.length < MAX_GAPS_PER_BATCH; expected++) newGaps.push(expected);
				expected = Math.max(expected, id + 1);
			}
		}
		const openGaps = (await trx(GAPS_TABLE).pluck('id')).map(Number);
		const filledGaps: number[] = [];
		for (let i = 0; i < openGaps.length; i += 1000) {
			const chunk = openGaps.slice(i, i + 1000);
			filledGaps.push(...(await trx('directus_activity').whereIn('id', chunk).pluck('id')).map(Number));
		}
		const watermark = batch.count > 0 ? batch.last : state.watermark;
		// Gaps kept across a backfill can lie in this batch's range: they are read through the gaps, once.
		const inRange = (id: number) => id > state.watermark && id <= watermark;
		const excluded = [...newGaps, ...openGaps.filter(inRange)];
		const conditions: string[] = [];
		if (batch.count > 0)
			conditions.push(
				`(id > ${Math.trunc(state.watermark)} and id <= ${Math.trunc(watermark)}${excluded.length > 0 ? ` and id not in (${inList(excluded)})` : ''})`,
			);
		if (filledGaps.length > 0) conditions.push(`id in (${inList(filledGaps)})`);
		const absorbed = live - filledGaps.filter(inRange).length + filledGaps.length;

		if (conditions.length > 0)
			await applyRowsToRollups(
				trx,
				dialect,
				'directus_activity',
				conditions.join(' or '),
				1,
				{ days: daysClosedBefore, hours: hoursClosedBefore },
				now,
			);
		// Flow runs absorbed before Directus wrote their revision: counted once it is there.
		const settled = await absorbPendingFlowRuns(trx, dialect, now);

		for (let i = 0; i < newGaps.length; i += 500) {
			await trx(GAPS_TABLE).insert(newGaps.slice(i, i + 500).map((id) => ({ id, seen_at: now })));
		}
		for (let i = 0; i < filledGaps.length; i += 1000)
			await trx(GAPS_TABLE)
				.whereIn('id', filledGaps.slice(i, i + 1000))
				.delete();
		await trx(GAPS_TABLE)
			.where('seen_at', '<', now - options.gapTtlMs)
			.delete();
		const [{ open } = { open: 0 }] = await trx(GAPS_TABLE).count<{ open: number | string }[]>({ open: '*' });

		const generation = absorbed > 0 || settled > 0 ? state.generation + 1 : state.generation;
		await trx(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ watermark, generation, updated_at: now });
		return {
			rows: absorbed,
			watermark,
			gapsOpen: Number(open),
			generation,
			done: batch.count < options.batchSize,
			closeMs,
		};
	}, config);
}

/**
 * Absorbs the rows added to directus_activity since the last refresh into every rollup. It reads only rows
 * above the watermark plus the ids still missing below it, so its cost follows the new rows, not the history.
 */
export async function refreshRollups(database: Knex, options: RefreshOptions = {}): Promise<RefreshResult> {
	const started = performance.now();
	const dialect = dialectOf(database);
	const settings = {
		batchSize: options.batchSize ?? 50_000,
		gapTtlMs: options.gapTtlMs ?? 3_600_000,
		maxBatches: options.maxBatches ?? 20,
		clock: options.clock ?? Date.now,
	};
	let rows = 0;
	let batches = 0;
	let last = { watermark: 0, gapsOpen: 0, generation: 0 };
	const closeMs = { hours: 0, days: 0 };
	await withRetry(() => ensureStateRow(database, settings.clock()));
	// A table a migration just added is filled before rows are added to it.
	await runRequestedFills(database);
	for (;;) {
		const batch = await withRetry(() => absorbBatch(database, dialect, settings));
		rows += batch.rows;
		closeMs.hours += batch.closeMs.hours;
		closeMs.days += batch.closeMs.days;
		batches++;
		last = batch;
		options.onProgress?.(rows, batch.watermark);
		if (batch.done || batches >= settings.maxBatches) break;
	}
	const durationMs = Math.round(performance.now() - started);
	await database(STATE_TABLE)
		.where({ key: ROLLUP_STATE_KEY })
		.update({ last_refresh_at: settings.clock(), last_refresh_ms: durationMs, last_refresh_rows: rows });
	return {
		rows,
		batches,
		watermark: last.watermark,
		gapsOpen: last.gapsOpen,
		durationMs,
		generation: last.generation,
		closeMs,
	};
}

/**
 * Empties the rollups and sets the watermark back to 0; the next refresh (with maxBatches Infinity) rebuilds
 * from scratch. The generation goes on counting up, never back: cached answers and the in-memory dictionary
 * of an earlier generation must not match a generation of the rebuild.
 */
export async function resetRollups(database: Knex): Promise<void> {
	await withRetry(() => ensureStateRow(database, Date.now()));
	await database.transaction(async (trx) => {
		const state = await lockState(trx, dialectOf(database), Date.now());
		for (const table of ROLLUP_TABLES) await trx(table.name).delete();
		await trx(MEMBER_SETS_TABLE).delete();
		await trx(MEMBER_COUNTS_TABLE).delete();
		await trx(MEMBER_QUARTERS_TABLE).delete();
		await trx(MEMBERS_TABLE).delete();
		await resetFlowRollups(trx);
		// The rebuild fills every table as it goes.
		await trx(STATE_TABLE).where('key', 'like', `${FILL_KEY_PREFIX}%`).delete();
		// The open gaps stay (their transactions may still commit); holes the refresh had already passed are
		// deleted rows, which the gap floor keeps the rebuild from taking for open transactions.
		await trx(STATE_TABLE)
			.where({ key: ROLLUP_STATE_KEY })
			.update({ watermark: 0, generation: state.generation + 1, gap_floor: Math.max(state.gapFloor, state.watermark) });
	});
}
