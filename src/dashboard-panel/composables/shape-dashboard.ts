// Pure shaping of /analytics answers into what the widgets draw. No Vue, no DOM: unit-tested directly.

export interface OverviewFigures {
	events: number;
	users: number;
	ips: number;
	actions: Record<string, number>;
}
export interface OverviewAnswer {
	current: OverviewFigures;
	previous: OverviewFigures;
	change: { events: number | null; users: number | null; ips: number | null };
}
export interface TimeseriesAnswer {
	interval: string;
	points: { bucket: string; from: string; to: string; events: number; users: number }[];
}
export interface BreakdownAnswer {
	rows: { key: string | null; events: number; users: number; ips: number }[];
}
export interface SuspiciousAnswer {
	actors: { actor: string; peak: number; peakWindowStart: string; events: number; lastSeen: string; touched: { collection: string | null; events: number }[] }[];
	failedLogins: { bursts: { ip: string | null; attempts: number; windowStart: string; identifierCount: number }[] };
}

export interface Kpi {
	key: 'events' | 'users' | 'ips';
	label: string;
	value: number;
	/** Relative change against the previous window, or null when there is nothing to compare. */
	change: number | null;
}

export function shapeKpis(overview: OverviewAnswer): Kpi[] {
	return [
		{ key: 'events', label: 'Events', value: overview.current.events, change: overview.change.events },
		{ key: 'users', label: 'Unique users', value: overview.current.users, change: overview.change.users },
		{ key: 'ips', label: 'Unique IPs', value: overview.current.ips, change: overview.change.ips },
	];
}

export interface SeriesShape {
	/** Bucket starts as instants, for the user's locale to format. */
	starts: Date[];
	events: number[];
	users: number[];
}

export function shapeSeries(answer: TimeseriesAnswer): SeriesShape {
	return {
		starts: answer.points.map((p) => new Date(p.bucket)),
		events: answer.points.map((p) => p.events),
		users: answer.points.map((p) => p.users),
	};
}

export interface BarsShape {
	keys: (string | null)[];
	labels: string[];
	values: number[];
}

export function shapeBars(answer: BreakdownAnswer, label: (key: string | null) => string = (key) => key ?? '(none)'): BarsShape {
	return { keys: answer.rows.map((r) => r.key), labels: answer.rows.map((r) => label(r.key)), values: answer.rows.map((r) => r.events) };
}

/** Actions sorted by volume, for the doughnut. */
export function shapeActions(overview: OverviewAnswer): BarsShape {
	const entries = Object.entries(overview.current.actions).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
	return { keys: entries.map(([k]) => k), labels: entries.map(([k]) => k), values: entries.map(([, v]) => v) };
}

/** A display name from what the viewer may read of a user, else the id. */
export function displayName(id: string | null, user?: { first_name?: string | null; last_name?: string | null; email?: string | null }): string {
	if (!id) return 'Public / system';
	const name = [user?.first_name, user?.last_name].filter(Boolean).join(' ');
	return name || user?.email || id;
}
