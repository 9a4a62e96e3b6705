import type { Knex } from 'knex';
import { GAPS_TABLE, ROLLUP_STATE_KEY, STATE_TABLE } from './rollup-tables';

export interface RollupState {
	/** Every activity id at or below this is absorbed, except the open gaps. */
	watermark: number;
	/** Bumped whenever a refresh absorbs rows; cache keys include it. */
	generation: number;
	lastRefreshAt: number | null;
	lastRefreshMs: number | null;
	lastRefreshRows: number | null;
}

export async function readRollupState(database: Knex, { forUpdate = false } = {}): Promise<RollupState> {
	const query = database(STATE_TABLE).where({ key: ROLLUP_STATE_KEY });
	const row = await (forUpdate ? query.forUpdate() : query).first();
	const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
	return {
		watermark: Number(row?.watermark ?? 0),
		generation: Number(row?.generation ?? 0),
		lastRefreshAt: num(row?.last_refresh_at),
		lastRefreshMs: num(row?.last_refresh_ms),
		lastRefreshRows: num(row?.last_refresh_rows),
	};
}

/** What queries must read raw because the rollups have not absorbed it: ids above the watermark, and the gaps. */
export interface UnabsorbedRows {
	watermark: number;
	gaps: number[];
}

export async function readUnabsorbed(database: Knex): Promise<UnabsorbedRows & { generation: number }> {
	const state = await readRollupState(database);
	const gaps = (await database(GAPS_TABLE).pluck('id')).map(Number);
	return { watermark: state.watermark, gaps, generation: state.generation };
}
