import type { Knex } from 'knex';
import { dialectOf } from '../schema/dialect';
import { ALL_HOURS_CLOSED, GAPS_TABLE, ROLLUP_STATE_KEY, STATE_TABLE } from '../schema/rollup-tables';

export interface RollupState {
	/** Every activity id at or below this is absorbed, except the open gaps. */
	watermark: number;
	/** Bumped whenever a refresh absorbs rows; cache keys include it. */
	generation: number;
	lastRefreshAt: number | null;
	lastRefreshMs: number | null;
	lastRefreshRows: number | null;
	/** UTC day (epoch seconds) from which the per-member tables hold hour rows only: see close-buckets.ts. */
	daysClosedBefore: number;
	/** UTC hour from which the per-member tables hold no rows (read raw), or ALL_HOURS_CLOSED. */
	hoursClosedBefore: number;
	/** Missing ids at or below this were passed by a refresh before a backfill: deleted rows, never gaps. */
	gapFloor: number;
}

export async function readRollupState(database: Knex, { forUpdate = false } = {}): Promise<RollupState> {
	const query = database(STATE_TABLE).where({ key: ROLLUP_STATE_KEY });
	return stateOf(await (forUpdate ? query.forUpdate() : query).first());
}

function stateOf(row: Record<string, unknown> | undefined): RollupState {
	const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
	return {
		watermark: Number(row?.['watermark'] ?? 0),
		generation: Number(row?.['generation'] ?? 0),
		lastRefreshAt: num(row?.['last_refresh_at']),
		lastRefreshMs: num(row?.['last_refresh_ms']),
		lastRefreshRows: num(row?.['last_refresh_rows']),
		daysClosedBefore: Number(row?.['days_closed_before'] ?? 0),
		// Before migration 017 every hour was closed.
		hoursClosedBefore:
			row?.['hours_closed_before'] === undefined || row['hours_closed_before'] === null
				? ALL_HOURS_CLOSED
				: Number(row['hours_closed_before']),
		gapFloor: Number(row?.['gap_floor'] ?? 0),
	};
}

/**
 * What the rollups do not hold: ids above the watermark and the gaps (read raw), the day rows of the
 * per-member tables from `daysClosedBefore` on (read from their hours), and their rows from
 * `hoursClosedBefore` on (read raw).
 */
export interface UnabsorbedRows {
	watermark: number;
	gaps: number[];
	daysClosedBefore: number;
	hoursClosedBefore: number;
}

export async function readUnabsorbed(database: Knex): Promise<UnabsorbedRows & { generation: number }> {
	// The state row and the gaps in one statement (a row per gap): every read route starts with this.
	const dialect = dialectOf(database);
	const q = (name: string) => dialect.quote(name);
	const rows = dialect.rows<Record<string, unknown>>(
		await database.raw(
			`select ${q('s')}.*, ${q('g')}.${q('id')} as ${q('gap_id')} from ${q(STATE_TABLE)} ${q('s')} left join ${q(GAPS_TABLE)} ${q('g')} on 1 = 1 where ${q('s')}.${q('key')} = ?`,
			[ROLLUP_STATE_KEY],
		),
	);
	const state = stateOf(rows[0]);
	// No state row yet: the join gave no gaps either, so they are read alone.
	const gaps =
		rows.length === 0
			? (await database(GAPS_TABLE).pluck('id')).map(Number)
			: rows.flatMap((row) => (row['gap_id'] === null || row['gap_id'] === undefined ? [] : [Number(row['gap_id'])]));
	return {
		watermark: state.watermark,
		gaps,
		daysClosedBefore: state.daysClosedBefore,
		hoursClosedBefore: state.hoursClosedBefore,
		generation: state.generation,
	};
}
