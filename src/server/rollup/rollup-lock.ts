import type { Knex } from 'knex';
import { dialectOf, type Dialect } from '../schema/dialect';
import { openHoursFrom, utcDayOf } from './close-buckets';
import { ROLLUP_STATE_KEY, STATE_TABLE } from '../schema/rollup-tables';
import { readRollupState, type RollupState } from './rollup-state';

/**
 * Makes sure the state row exists, outside any long transaction (two first-time inserts would deadlock).
 * Days before today (hours before this one) get their per-member rows as they are absorbed; today's (this
 * hour's) are built when it closes.
 */
export async function ensureStateRow(database: Knex, now: number): Promise<void> {
	await database(STATE_TABLE)
		.insert({
			key: ROLLUP_STATE_KEY,
			watermark: 0,
			generation: 0,
			updated_at: now,
			days_closed_before: utcDayOf(now),
			hours_closed_before: openHoursFrom(dialectOf(database), now),
		})
		.onConflict('key')
		.ignore();
}

/**
 * Locks the rollup state row for this transaction. Everything that changes the rollups (refresh, erasure,
 * anonymization) takes it, so none of them interleaves with another, on any instance.
 */
export async function lockState(trx: Knex.Transaction, dialect: Dialect, now: number): Promise<RollupState> {
	// A write first: it takes the row lock before any read (and SQLite's write lock at once).
	await trx(STATE_TABLE).where({ key: ROLLUP_STATE_KEY }).update({ updated_at: now });
	return readRollupState(trx, { forUpdate: dialect.locksRows });
}

/** Cached answers carry the generation: bumping it makes every instance's cached answers stale. */
export async function bumpGeneration(trx: Knex.Transaction, state: RollupState): Promise<void> {
	await trx(STATE_TABLE)
		.where({ key: ROLLUP_STATE_KEY })
		.update({ generation: state.generation + 1 });
}

/** Lock conflicts between instances are expected; they are retried, anything else is not. */
function isTransient(error: unknown): boolean {
	const e = error as { code?: string; errno?: number } | null;
	return (
		e?.code === 'SQLITE_BUSY' || e?.errno === 1213 || e?.errno === 1205 || e?.code === '40001' || e?.code === '40P01'
	);
}

export async function withRetry<T>(work: () => Promise<T>, attempts = 12): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await work();
		} catch (error) {
			if (!isTransient(error) || attempt >= attempts) throw error;
			await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 25 * 2 ** attempt) * (0.5 + Math.random())));
		}
	}
}
