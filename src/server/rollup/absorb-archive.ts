import type { Knex } from 'knex';
import { dialectOf } from '../schema/dialect';
import { ARCHIVE_ACTIVITY_TABLE } from '../schema/retention-tables';
import { moveOpenHours } from './close-buckets';
import { ALL_HOURS_CLOSED } from '../schema/rollup-tables';
import { applyRowsToRollups } from './rollup-batch';
import { bumpGeneration, ensureStateRow, lockState, withRetry } from './rollup-lock';

/**
 * After the rollups were emptied (a backfill), adds the archived rows back, a batch of ids per transaction.
 * Retention moves only rows at or below the watermark, which a reset puts at 0, so no row can move from the
 * live table to the archive between this and the refresh that follows: each row is counted once.
 */
export async function absorbArchive(
	database: Knex,
	batchSize: number,
	onProgress?: (rows: number) => void,
): Promise<number> {
	const dialect = dialectOf(database);
	await withRetry(() => ensureStateRow(database, Date.now()));
	let absorbed = 0;
	for (let afterId = 0; ;) {
		const ids = (
			await database(ARCHIVE_ACTIVITY_TABLE).where('id', '>', afterId).orderBy('id').limit(batchSize).pluck('id')
		).map(Number);
		if (ids.length === 0) return absorbed;
		const [first, last] = [ids[0]!, ids[ids.length - 1]!];
		await withRetry(() =>
			database.transaction(async (trx) => {
				const state = await lockState(trx, dialect, Date.now());
				// Open hours are rebuilt from the live table only: archived rows go to closed ones.
				const hours = await moveOpenHours(trx, dialect, state, ALL_HOURS_CLOSED);
				await applyRowsToRollups(
					trx,
					dialect,
					ARCHIVE_ACTIVITY_TABLE,
					`id >= ${Math.trunc(first)} and id <= ${Math.trunc(last)}`,
					1,
					{ days: state.daysClosedBefore, hours },
				);
				// New rollup rows and dictionary values: answers cached before are stale.
				await bumpGeneration(trx, state);
			}),
		);
		absorbed += ids.length;
		afterId = last;
		onProgress?.(absorbed);
	}
}
