import type { Knex } from 'knex';
import { ARCHIVE_ACTIVITY_TABLE } from '../schema/retention-tables';
import { absorbArchive } from './absorb-archive';
import { refreshRollups, resetRollups } from './refresh-rollups';

export interface BackfillReport {
	rows: number;
	archivedRows: number;
	liveRows: number;
	watermark: number;
	durationMs: number;
}

export interface BackfillProgress {
	/** Called once, before the first batch, with the rows the backfill will read. */
	start?: (totalRows: number) => void;
	update?: (doneRows: number) => void;
}

/** Rebuilds every rollup from scratch: emptied, then the archive, then the live table. */
export async function backfillRollups(
	database: Knex,
	batchSize: number,
	progress: BackfillProgress = {},
): Promise<BackfillReport> {
	await resetRollups(database);
	const count = async (table: string) =>
		Number((await database(table).count<{ total: number | string }[]>({ total: '*' }))[0]?.total ?? 0);
	progress.start?.((await count(ARCHIVE_ACTIVITY_TABLE)) + (await count('directus_activity')));
	const archivedRows = await absorbArchive(database, batchSize, progress.update);
	const live = await refreshRollups(database, {
		batchSize,
		maxBatches: Number.POSITIVE_INFINITY,
		...(progress.update ? { onProgress: (done: number) => progress.update?.(archivedRows + done) } : {}),
	});
	return {
		rows: archivedRows + live.rows,
		archivedRows,
		liveRows: live.rows,
		watermark: live.watermark,
		durationMs: live.durationMs,
	};
}
