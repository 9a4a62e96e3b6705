// The shape of GET /analytics/status, shared by the endpoint and the panel.
export interface ActivityTableStatus {
	rows: number;
	oldest: string | null;
	newest: string | null;
}

export interface RollupStatus {
	watermark: number;
	maxId: number;
	/** Rows committed but not absorbed yet: above the watermark plus open gaps that are now present. */
	lagRows: number;
	/** Age of the oldest row above the watermark; 0 when none. */
	lagSeconds: number;
	gapsOpen: number;
	generation: number;
	lastRefreshAt: string | null;
	lastRefreshMs: number | null;
	lastRefreshRows: number | null;
	/** Seconds since the last refresh finished. */
	stalenessSeconds: number | null;
}

export interface CacheStatusFigures {
	store: 'redis' | 'memory';
	hits: number;
	misses: number;
	stale: number;
	loads: number;
	errors: number;
	hitRatio: number | null;
}

export interface AnalyticsStatus {
	extension: { name: string; startedAt: string };
	database: { client: string };
	queue: { kind: 'memory' | 'redis' };
	config: Record<string, unknown>;
	activity: ActivityTableStatus;
	revisions: { rows: number };
	rollup: RollupStatus;
	cache: CacheStatusFigures;
}
