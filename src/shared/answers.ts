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

/** Runs of one flow over a window; Directus records no durations, so none are given. */
export interface FlowRunFigures {
	runs: number;
	succeeded: number;
	failed: number;
	/** Runs without a revision (flow accountability `activity`): their outcome was not recorded. */
	unknown: number;
	/** failed / (succeeded + failed), to four decimals; null when no run has a known outcome. */
	failureRate: number | null;
}

export interface FlowRow extends FlowRunFigures {
	flow: string;
	/** From directus_flows now; null for a flow deleted since. */
	name: string | null;
	trigger: string | null;
	status: string | null;
	/** Epoch seconds of the window's last failed run, or null. */
	lastFailureAt: number | null;
	previous: FlowRunFigures;
	change: { runs: number | null; failed: number | null };
}

export interface FlowsAnswer {
	from: number;
	to: number;
	previous: { from: number; to: number };
	flows: FlowRow[];
	totals: FlowRunFigures;
	byTrigger: ({ trigger: string | null } & FlowRunFigures)[];
	durationsRecorded: false;
}

export interface FlowFailureRow {
	/** The run's directus_activity id. */
	id: number;
	flow: string;
	name: string | null;
	at: number;
	operation: string | null;
	operationType: string | null;
	stepKey: string | null;
	stepStatus: string;
	error: string | null;
}

export interface FlowFailuresAnswer {
	rows: FlowFailureRow[];
	nextCursor: string | null;
}

export interface FlowOperationRow {
	/** From directus_operations now; null for an operation deleted since. */
	operationType: string | null;
	resolve: number;
	reject: number;
	unknown: number;
	steps: number;
	rejectRate: number | null;
}

export interface FlowOperationsAnswer {
	rows: FlowOperationRow[];
}
