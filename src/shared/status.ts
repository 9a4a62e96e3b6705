// The shape of GET /analytics/status, shared by the endpoint and the panel.
export interface ActivityTableStatus {
	rows: number;
	/** True when `rows` is the database's estimate (tables over a million rows), not an exact count. */
	rowsEstimated: boolean;
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

export interface WriterQueueFigures {
	kind: 'memory' | 'redis';
	/** Events waiting to be written (for Redis: in the stream, including entries being written). */
	depth: number;
	/** Age of the oldest waiting event, in milliseconds; null when none waits. */
	oldestAgeMs: number | null;
	/** Redis only: entries delivered to a consumer and not yet acknowledged. */
	pending?: number;
	/** Redis only: events kept in this process's memory while Redis refused them. */
	fallbackDepth?: number;
	/** The folder of the local spool, when events pass through it. */
	spool?: string;
}

/** How acknowledged events survive a hard kill of this process, or a crash of Redis. */
export interface QueueDurability {
	/** spool: fsynced to a local file first; redis: the shared stream; memory: process memory only; sync: the database. */
	mode: 'spool' | 'redis' | 'memory' | 'sync';
	/** True when an event already answered could be lost by a hard kill or a Redis crash. */
	lossPossible: boolean;
	detail: string;
	/** Redis's persistence as it reported it (Redis mode). */
	redis?: { appendonly: string | null; appendfsync: string | null } | null;
}

/** The batched writer of the instance that answered. */
export interface WriterStatusFigures {
	eventsCaptured: number;
	eventsWritten: number;
	/** Events a retried batch found already written (ledger), so not written twice. */
	eventsSkipped: number;
	batchesWritten: number;
	lastFlushMs: number | null;
	maxFlushMs: number | null;
	retries: number;
	/** Events written straight to the database: a sync action, or a full queue. */
	syncWrites: number;
	/** Events kept in this process's memory because Redis refused them. */
	redisFallbacks: number;
	/** Stream entries of another (dead) consumer that this one claimed. */
	claimed: number;
	/** Events that could not be written before the process stopped; must stay 0. */
	drops: number;
	/** Group commits of the local spool (each one fdatasync shared by the answers waiting on it). */
	spoolCommits: number;
	/** Events the spool could not take (disk full, no permission): written synchronously instead. */
	spoolFailures: number;
	/** Events read back from the spool of a process that stopped without writing them (a hard kill). */
	spoolReplayed: number;
	lastError: string | null;
	queue: WriterQueueFigures;
	durability: QueueDurability;
	/** Captures still being prepared (an update reading its snapshot). */
	inFlight: number;
	/** Collections under the writer, with the accountability Directus had for them. */
	collections: { collection: string; original_accountability: 'all' | 'activity' | null }[];
}

/** Something an operator should fix; `code` names it for programs, `message` tells a person how. */
export interface StatusWarning {
	code: 'IP_TRUST_PROXY' | 'QUEUE_NOT_DURABLE';
	message: string;
}

export interface AnalyticsStatus {
	/** Empty when all is well. */
	warnings: StatusWarning[];
	/** What the newest events' IPs say: one internal address on nearly all of them means a proxy Directus does not trust. */
	addresses: { sampled: number; topIp: string | null; topShare: number; behindProxy: boolean; trustProxy: string };
	extension: { name: string; startedAt: string };
	database: { client: string };
	queue: { kind: 'memory' | 'redis' };
	writer: WriterStatusFigures;
	config: Record<string, unknown>;
	activity: ActivityTableStatus;
	revisions: { rows: number; rowsEstimated: boolean };
	rollup: RollupStatus;
	cache: CacheStatusFigures;
	/** Memory of the instance that answered, in bytes. */
	process: { rss: number; heapUsed: number; heapTotal: number; uptimeSeconds: number };
	/** Built-in scheduled runs made by the instance that answered. */
	schedule: { refreshRuns: number; retentionRuns: number };
	/** The user's materialized views the refresh task keeps fresh (PostgreSQL). */
	views: { view: string; refreshedAt: string; durationMs: number; concurrently: boolean }[];
}
