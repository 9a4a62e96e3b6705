// The rollups: narrow tables, each keyed by time bucket plus a few dimensions, at three UTC grains.
// Every time zone's offset is a multiple of 15 minutes, so local hour/day/week/month boundaries always fall
// on a 15-minute UTC boundary; whole days and hours use the coarser grains. See docs/rollups.md.

// The dimensions are the API's too (breakdowns, filters): defined once, with the answers.
import type { Dimension } from '../../shared/answers';
export { DIMENSIONS, type Dimension } from '../../shared/answers';

export interface RollupTable {
	name: string;
	dims: readonly Dimension[];
	/** Grains kept, coarsest first. Wide tables skip quarter hours: their sub-hour edges are read raw. */
	grains: readonly Grain[];
	/**
	 * Rows of a bucket are built once it has closed (close-buckets.ts), not upserted by every refresh: an
	 * hour's from the raw rows absorbed (until then they are read raw), a day's from its hours (until then
	 * they answer for it). Only the per-member tables: their keys are mostly new in every hour and day, so
	 * their upserts were most of a refresh.
	 */
	rowsOnClose?: boolean;
}

export interface Grain {
	key: 'd' | 'h' | 'q';
	seconds: number;
}

/** Coarsest first. */
export const GRAINS: readonly Grain[] = [
	{ key: 'd', seconds: 86_400 },
	{ key: 'h', seconds: 3_600 },
	{ key: 'q', seconds: 900 },
];
export const HOUR_AND_DAY: readonly Grain[] = GRAINS.filter((g) => g.key !== 'q');

/** Smallest first: the planner takes the first table that has every dimension a query needs. */
export const ROLLUP_TABLES: readonly RollupTable[] = [
	{ name: 'activity_analytics_rollup_events', dims: ['collection', 'action', 'origin'], grains: GRAINS },
	{ name: 'activity_analytics_rollup_users', dims: ['user'], grains: HOUR_AND_DAY },
	{ name: 'activity_analytics_rollup_ips', dims: ['ip'], grains: HOUR_AND_DAY },
	{ name: 'activity_analytics_rollup_ip_users', dims: ['ip', 'user'], grains: HOUR_AND_DAY, rowsOnClose: true },
	{
		name: 'activity_analytics_rollup_user_dims',
		dims: ['collection', 'action', 'origin', 'user'],
		grains: HOUR_AND_DAY,
		rowsOnClose: true,
	},
	{
		name: 'activity_analytics_rollup_ip_dims',
		dims: ['collection', 'action', 'origin', 'ip'],
		grains: HOUR_AND_DAY,
		rowsOnClose: true,
	},
];

export const ROWS_ON_CLOSE_TABLES = ROLLUP_TABLES.filter((table) => table.rowsOnClose);

/** `hours_closed_before` when no hour is open: the per-member tables hold every absorbed row's hour. */
export const ALL_HOURS_CLOSED = Number.MAX_SAFE_INTEGER;

export const STATE_TABLE = 'activity_analytics_state';
export const GAPS_TABLE = 'activity_analytics_gaps';
export const ROLLUP_STATE_KEY = 'rollup';
export const ALERTS_TABLE = 'activity_analytics_alerts';
export const FAILED_LOGINS_TABLE = 'activity_analytics_failed_logins';
