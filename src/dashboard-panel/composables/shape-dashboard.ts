// Pure shaping of /analytics answers into what the widgets draw. No Vue, no DOM: unit-tested directly.

import type {
	BreakdownAnswer,
	FlowFailuresAnswer,
	FlowsAnswer,
	OverviewAnswer,
	TimeseriesAnswer,
} from '../../shared/answers';
import type { PanelMessageKey } from '../panel-messages';

export interface Kpi {
	key: 'events' | 'users' | 'ips';
	label: string;
	value: number;
	/** Relative change against the previous window, or null when there is nothing to compare. */
	change: number | null;
}

/** The KPIs with their labels as panel message keys, for the panel to translate. */
export function shapeKpis(overview: OverviewAnswer): (Omit<Kpi, 'label'> & { label: PanelMessageKey })[] {
	return [
		{ key: 'events', label: 'events', value: overview.current.events, change: overview.change.events },
		{ key: 'users', label: 'unique_users', value: overview.current.users, change: overview.change.users },
		{ key: 'ips', label: 'unique_ips', value: overview.current.ips, change: overview.change.ips },
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

export function shapeBars(
	answer: BreakdownAnswer,
	label: (key: string | null) => string = (key) => key ?? '(none)',
): BarsShape {
	return {
		keys: answer.rows.map((r) => r.key),
		labels: answer.rows.map((r) => label(r.key)),
		values: answer.rows.map((r) => r.events),
	};
}

/** Actions sorted by volume, for the doughnut. */
export function shapeActions(overview: OverviewAnswer): BarsShape {
	const entries = Object.entries(overview.current.actions).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
	return { keys: entries.map(([k]) => k), labels: entries.map(([k]) => k), values: entries.map(([, v]) => v) };
}

/** A display name from what the viewer may read of a user, else the id; null for no user (public or system). */
export function displayName(
	id: string | null,
	user?: { first_name?: string | null; last_name?: string | null; email?: string | null },
): string | null {
	if (!id) return null;
	const name = [user?.first_name, user?.last_name].filter(Boolean).join(' ');
	return name || user?.email || id;
}

/** The flow's page in the admin app (a router path: the app adds its /admin base). */
export function flowLink(flow: string): string {
	return `/settings/flows/${flow}`;
}

export interface FlowHealthRow {
	flow: string;
	/** The flow's name; null for a flow deleted since. */
	name: string | null;
	runs: number;
	failed: number;
	unknown: number;
	failureRate: number | null;
	lastFailureAt: Date | null;
}

/** The flows of the window, most failures first (the route's order), at most `limit` of them. */
export function shapeFlowRows(answer: FlowsAnswer, limit = 8): FlowHealthRow[] {
	return answer.flows
		.filter((row) => row.runs > 0)
		.slice(0, limit)
		.map((row) => ({
			flow: row.flow,
			name: row.name,
			runs: row.runs,
			failed: row.failed,
			unknown: row.unknown,
			failureRate: row.failureRate,
			lastFailureAt: row.lastFailureAt === null ? null : new Date(row.lastFailureAt * 1000),
		}));
}

export interface FlowFailureItem {
	id: number;
	flow: string;
	name: string | null;
	at: Date;
	/** What failed: the operation's type and key, as far as the revision names them. */
	step: string | null;
	error: string | null;
}

export function shapeFlowFailures(answer: FlowFailuresAnswer): FlowFailureItem[] {
	return answer.rows.map((row) => ({
		id: row.id,
		flow: row.flow,
		name: row.name,
		at: new Date(row.at * 1000),
		step: [row.operationType, row.stepKey].filter(Boolean).join(' · ') || null,
		error: row.error,
	}));
}
