// The rollups: narrow tables, each keyed by time bucket plus a few dimensions, at three UTC grains.
// Every time zone's offset is a multiple of 15 minutes, so local hour/day/week/month boundaries always fall
// on a 15-minute UTC boundary; whole days and hours use the coarser grains. See docs/rollups.md.

export const DIMENSIONS = ['collection', 'action', 'origin', 'user', 'ip'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Column widths as Directus declares them on directus_activity. */
export const DIMENSION_LENGTH: Record<Dimension, number> = { collection: 64, action: 45, origin: 255, user: 36, ip: 50 };

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
	{ name: 'activity_analytics_rollup_user_dims', dims: ['collection', 'action', 'origin', 'user'], grains: HOUR_AND_DAY, rowsOnClose: true },
	{ name: 'activity_analytics_rollup_ip_dims', dims: ['collection', 'action', 'origin', 'ip'], grains: HOUR_AND_DAY, rowsOnClose: true },
];

export const ROWS_ON_CLOSE_TABLES = ROLLUP_TABLES.filter((table) => table.rowsOnClose);

/** `hours_closed_before` when no hour is open: the per-member tables hold every absorbed row's hour. */
export const ALL_HOURS_CLOSED = Number.MAX_SAFE_INTEGER;

/**
 * Users and IPs per collection: added by migration 009 (filled from the wide tables they project), dropped by
 * 014 once the member sets (011) answered every query they served. Kept here for those two migrations only.
 */
export const RETIRED_COLLECTION_ROLLUPS: readonly (RollupTable & { from: string })[] = [
	{ name: 'activity_analytics_rollup_collection_users', dims: ['collection', 'user'], grains: HOUR_AND_DAY, from: 'activity_analytics_rollup_user_dims' },
	{ name: 'activity_analytics_rollup_collection_ips', dims: ['collection', 'ip'], grains: HOUR_AND_DAY, from: 'activity_analytics_rollup_ip_dims' },
];

/**
 * The primary keys lead with the bucket; this one leads with the IP, so "users of these 10 IPs" (the default
 * dashboard's top IPs) reads only those IPs' rows instead of every row in the window (migration 010). One
 * index only: every index adds to each refresh's writes.
 */
export const ROLLUP_KEY_INDEXES = [{ name: 'activity_analytics_rollup_ip_users_by_ip', table: 'activity_analytics_rollup_ip_users', columns: ['grain', 'ip', 'bucket', 'user'] }] as const;

export const STATE_TABLE = 'activity_analytics_state';
export const GAPS_TABLE = 'activity_analytics_gaps';
export const ROLLUP_STATE_KEY = 'rollup';
export const ALERTS_TABLE = 'activity_analytics_alerts';
export const FAILED_LOGINS_TABLE = 'activity_analytics_failed_logins';
