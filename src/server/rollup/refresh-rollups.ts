import type { Knex } from 'knex';
import { dialectOf, dimensionTextSql, epochWholeSecondsSql, quoteIdentifier, type Dialect } from '../dialect';
import { DIMENSIONS, GAPS_TABLE, ROLLUP_STATE_KEY, ROLLUP_TABLES, STATE_TABLE, type Grain, type RollupTable } from './rollup-tables';
import { readRollupState, type RollupState } from './rollup-state';

export interface RefreshOptions {
	/** Rows absorbed per transaction; each batch commits on its own, so a crash loses no progress. */
	batchSize?: number;
	/** Ids missing below the watermark are rechecked this long, for transactions that commit late. */
	gapTtlMs?: number;
	/** Stop after this many batches (a backfill passes Infinity). */
	maxBatches?: number;
	onProgress?: (absorbed: number, watermark: number) => void;
}

export interface RefreshResult {
	rows: number;
	batches: number;
	watermark: number;
	gapsOpen: number;
	durationMs: number;
	generation: number;
}

// A wide sequence hole (a bulk rollback, a reseeded sequence) is not worth tracking id by id.
const MAX_GAPS_PER_BATCH = 100_000;

const BATCH_TABLE = 'activity_analytics_batch';

/** The batch's rows, grouped once by quarter hour and every dimension: the fan-out reads this, not the raw table. */
function stageBatchSql(dialect: Dialect, idCondition: string): string[] {
	const q = (name: string) => quoteIdentifier(dialect, name);
	const epoch = epochWholeSecondsSql(dialect, q('timestamp'));
	const bucket = dialect === 'sqlite' ? `(${epoch} / 900) * 900` : `floor(${epoch} / 900) * 900`;
	const dims = DIMENSIONS.map((d) => `${dimensionTextSql(dialect, q(d))} as ${q(d)}`);
	const select = `select ${bucket} as ${q('bucket')}, ${dims.join(', ')}, count(*) as ${q('n')} from ${q('directus_activity')} where ${idCondition} group by ${['1', ...DIMENSIONS.map((_, i) => String(i + 2))].join(', ')}`;
	switch (dialect) {
		case 'postgres':
			return [`create temporary table ${q(BATCH_TABLE)} on commit drop as ${select}`];
		case 'mysql':
			return [`drop temporary table if exists ${q(BATCH_TABLE)}`, `create temporary table ${q(BATCH_TABLE)} as ${select}`];
		case 'sqlite':
			return [`drop table if exists temp.${q(BATCH_TABLE)}`, `create temp table ${q(BATCH_TABLE)} as ${select}`];
	}
}

function dropBatchSql(dialect: Dialect): string | null {
	const q = (name: string) => quoteIdentifier(dialect, name);
	if (dialect === 'mysql') return `drop temporary table if exists ${q(BATCH_TABLE)}`;
	if (dialect === 'sqlite') return `drop table if exists temp.${q(BATCH_TABLE)}`;
	return null;
}

function upsertSql(dialect: Dialect, table: RollupTable, grain: Grain): string {
	const q = (name: string) => quoteIdentifier(dialect, name);
	const bucket = grain.seconds === 900 ? q('bucket') : dialect === 'sqlite' ? `(${q('bucket')} / ${grain.seconds}) * ${grain.seconds}` : `floor(${q('bucket')} / ${grain.seconds}) * ${grain.seconds}`;
	const dims = table.dims.map((d) => q(d));
	const columns = ['grain', 'bucket', ...table.dims, 'events'].map(q).join(', ');
	const groupBy = ['2', ...table.dims.map((_, i) => String(i + 3))].join(', ');
	const select = `select '${grain.key}', ${bucket}, ${dims.join(', ')}, sum(${q('n')}) from ${q(BATCH_TABLE)} where 1 = 1 group by ${groupBy}`;
	const key = ['grain', 'bucket', ...table.dims].map(q).join(', ');
	if (dialect === 'mysql') return `insert into ${q(table.name)} (${columns}) ${select} on duplicate key update ${q('events')} = ${q('events')} + values(${q('events')})`;
	return `insert into ${q(table.name)} (${columns}) ${select} on conflict (${key}) do update set ${q('events')} = ${q(table.name)}.${q('events')} + excluded.${q('events')}`;
}

/** Makes sure the state row exists, outside any long transaction (two first-time inserts would deadlock). */
async function ensureStateRow(database: Knex, now: number): Promise<void> {
	await database(STATE_TABLE).insert({ key: ROLLUP_STATE_KEY, watermark: 0, generation: 0, updated_at: now }).onConflict('key').ignore();
}

/** Locks the state row for this transaction, so two instances never absorb the same rows. */
async function lockState(trx: Knex.Transaction, dialect: Dialect, now: number): Promise<RollupState> {
	// A write first: it takes the row lock before any read (and SQLite's write lock at once).
	await trx(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ updated_at: now });
	return readRollupState(trx, { forUpdate: dialect !== 'sqlite' });
}

/** Lock conflicts between instances are expected; they are retried, anything else is not. */
function isTransient(error: unknown): boolean {
	const e = error as { code?: string; errno?: number } | null;
	return e?.code === 'SQLITE_BUSY' || e?.errno === 1213 || e?.errno === 1205 || e?.code === '40001' || e?.code === '40P01';
}

async function withRetry<T>(work: () => Promise<T>, attempts = 12): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await work();
		} catch (error) {
			if (!isTransient(error) || attempt >= attempts) throw error;
			await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 25 * 2 ** attempt) * (0.5 + Math.random())));
		}
	}
}

function inList(ids: number[]): string {
	return ids.map((id) => String(Math.trunc(id))).join(', ');
}

async function absorbBatch(database: Knex, dialect: Dialect, options: Required<Omit<RefreshOptions, 'onProgress'>>): Promise<{ rows: number; watermark: number; gapsOpen: number; generation: number; done: boolean }> {
	// READ COMMITTED on MySQL: INSERT ... SELECT then reads directus_activity without locking it, so an
	// open write transaction neither blocks the refresh nor is blocked by it.
	const config = dialect === 'mysql' ? { isolationLevel: 'read committed' as const } : undefined;
	return database.transaction(async (trx) => {
		const now = Date.now();
		const state = await lockState(trx, dialect, now);
		const ids = (await trx('directus_activity').where('id', '>', state.watermark).orderBy('id', 'asc').limit(options.batchSize).pluck('id')).map(Number);
		const openGaps = (await trx(GAPS_TABLE).pluck('id')).map(Number);
		const filledGaps: number[] = [];
		for (let i = 0; i < openGaps.length; i += 1000) {
			const chunk = openGaps.slice(i, i + 1000);
			filledGaps.push(...(await trx('directus_activity').whereIn('id', chunk).pluck('id')).map(Number));
		}
		const watermark = ids.length > 0 ? ids[ids.length - 1]! : state.watermark;
		const conditions: string[] = [];
		if (ids.length > 0) conditions.push(`(id > ${Math.trunc(state.watermark)} and id <= ${Math.trunc(watermark)})`);
		if (filledGaps.length > 0) conditions.push(`id in (${inList(filledGaps)})`);
		const absorbed = ids.length + filledGaps.length;

		if (conditions.length > 0) {
			for (const statement of stageBatchSql(dialect, conditions.join(' or '))) await trx.raw(statement);
			for (const table of ROLLUP_TABLES) {
				for (const grain of table.grains) await trx.raw(upsertSql(dialect, table, grain));
			}
			const drop = dropBatchSql(dialect);
			if (drop) await trx.raw(drop);
		}

		// Ids below the new watermark that are not there yet may belong to transactions still open.
		const newGaps: number[] = [];
		let expected = state.watermark + 1;
		for (const id of ids) {
			for (; expected < id && newGaps.length < MAX_GAPS_PER_BATCH; expected++) newGaps.push(expected);
			expected = id + 1;
		}
		for (let i = 0; i < newGaps.length; i += 500) {
			await trx(GAPS_TABLE).insert(newGaps.slice(i, i + 500).map((id) => ({ id, seen_at: now })));
		}
		for (let i = 0; i < filledGaps.length; i += 1000) await trx(GAPS_TABLE).whereIn('id', filledGaps.slice(i, i + 1000)).delete();
		await trx(GAPS_TABLE).where('seen_at', '<', now - options.gapTtlMs).delete();
		const [{ open } = { open: 0 }] = await trx(GAPS_TABLE).count<{ open: number | string }[]>({ open: '*' });

		const generation = absorbed > 0 ? state.generation + 1 : state.generation;
		await trx(STATE_TABLE)
			.where({ key: ROLLUP_STATE_KEY })
			.update({ watermark, generation, updated_at: now });
		return { rows: absorbed, watermark, gapsOpen: Number(open), generation, done: ids.length < options.batchSize };
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
	};
	let rows = 0;
	let batches = 0;
	let last = { watermark: 0, gapsOpen: 0, generation: 0 };
	await withRetry(() => ensureStateRow(database, Date.now()));
	for (;;) {
		const batch = await withRetry(() => absorbBatch(database, dialect, settings));
		rows += batch.rows;
		batches++;
		last = batch;
		options.onProgress?.(rows, batch.watermark);
		if (batch.done || batches >= settings.maxBatches) break;
	}
	const durationMs = Math.round(performance.now() - started);
	await database(STATE_TABLE)
		.where({ key: ROLLUP_STATE_KEY })
		.update({ last_refresh_at: Date.now(), last_refresh_ms: durationMs, last_refresh_rows: rows });
	return { rows, batches, watermark: last.watermark, gapsOpen: last.gapsOpen, durationMs, generation: last.generation };
}

/** Empties the rollups and the watermark; the next refresh (with maxBatches Infinity) rebuilds from scratch. */
export async function resetRollups(database: Knex): Promise<void> {
	await database.transaction(async (trx) => {
		for (const table of ROLLUP_TABLES) await trx(table.name).delete();
		await trx(GAPS_TABLE).delete();
		await trx(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).delete();
	});
}
