// The /analytics answers as the API sends them and the panel reads them: one definition for both.

export const DIMENSIONS = ['collection', 'action', 'origin', 'user', 'ip'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const INTERVALS = ['minute', 'hour', 'day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export const BREAKDOWN_SORTS = ['events', 'users', 'ips'] as const;
export type BreakdownSort = (typeof BREAKDOWN_SORTS)[number];

export interface OverviewFigures {
	events: number;
	users: number;
	ips: number;
	actions: Record<string, number>;
}

/** Relative change of each figure against the previous window of the same length; null when that had none. */
export interface WindowChange {
	events: number | null;
	users: number | null;
	ips: number | null;
}

export interface OverviewAnswer {
	from: string;
	to: string;
	current: OverviewFigures;
	previous: OverviewFigures & { from: string; to: string };
	change: WindowChange;
}

export interface TimeseriesPoint {
	/** Local wall-clock start of the calendar bucket, with its offset. */
	bucket: string;
	/** The bucket clipped to the window, UTC. */
	from: string;
	to: string;
	events: number;
	users: number;
}

export interface TimeseriesAnswer {
	interval: Interval;
	tz: string;
	points: TimeseriesPoint[];
}

export interface BreakdownRow {
	key: string | null;
	events: number;
	users: number;
	ips: number;
}

export interface BreakdownAnswer {
	by: Dimension;
	sort: BreakdownSort;
	rows: BreakdownRow[];
}

export interface SuspiciousActor {
	actor: string;
	/** Events in the busiest window. */
	peak: number;
	peakWindowStart: string;
	/** How many windows went over the threshold. */
	windowsOver: number;
	events: number;
	firstSeen: string;
	lastSeen: string;
	touched: { collection: string | null; events: number }[];
}

export interface FailedLoginBurst {
	ip: string | null;
	windowStart: string;
	attempts: number;
	/** Distinct login identifiers (emails) tried, at most 10 listed. */
	identifiers: string[];
	identifierCount: number;
	firstAt: string;
	lastAt: string;
}

export interface SuspiciousAnswer {
	by: 'ip' | 'user';
	window: string;
	threshold: number;
	actors: SuspiciousActor[];
	/** Bursts of failed logins per IP (Directus writes no activity for them; the hook records them). */
	failedLogins: { threshold: number; bursts: FailedLoginBurst[] };
}

export interface TrendingRow {
	collection: string | null;
	events: number;
	previous: number;
	/** (events - previous) / previous; null for a collection that had no events before. */
	growth: number | null;
}

export interface TrendingAnswer {
	rows: TrendingRow[];
}

/** One directus_activity row as the timeline and the export give it. */
export interface ActivityRow {
	id: number;
	action: string;
	user: string | null;
	timestamp: string;
	ip: string | null;
	user_agent: string | null;
	origin: string | null;
	collection: string;
	item: string;
}

export interface TimelineAnswer {
	events: ActivityRow[];
	/** Pass as `cursor` for the next (older) page; null on the last page. */
	next: string | null;
}
