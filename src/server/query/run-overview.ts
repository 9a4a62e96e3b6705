import { quoteIdentifier } from '../schema/dialect';
import type { AnalyticsWindow } from './analytics-query';
import { countMembersOfKinds, memberSetsServe } from './count-members';
import type { QueryContext } from './read-snapshot';
import { querySource, toNumber } from './source-query';

export interface OverviewFigures {
	events: number;
	users: number;
	ips: number;
	actions: Record<string, number>;
}

export interface OverviewResult {
	from: string;
	to: string;
	current: OverviewFigures;
	previous: OverviewFigures & { from: string; to: string };
	change: { events: number | null; users: number | null; ips: number | null };
}

/** Exact distinct users and IPs over the ranges ('' stands for NULL and is not counted). */
export async function countDistinct(context: QueryContext, window: AnalyticsWindow, ranges: { from: number; to: number }[]): Promise<{ user: number; ip: number }> {
	if (memberSetsServe(window.filters)) {
		const counts = await countMembersOfKinds(context, ['user', 'ip'], window.filters, ranges, () => 0, { byTime: false });
		return { user: counts.get('user')!.get(0) ?? 0, ip: counts.get('ip')!.get(0) ?? 0 };
	}
	const q = (name: string) => quoteIdentifier(context.dialect, name);
	const one = async (dim: 'user' | 'ip') => {
		// distinct-then-count lets PostgreSQL hash instead of sort: about twice as fast as count(distinct).
		const rows = await querySource(context, { select: [dim], filters: window.filters, ranges }, (s) => `select count(*) as ${q('n')} from (select distinct ${q(dim)} from ${s} where ${q(dim)} <> '') ${q('d')}`);
		return toNumber(rows[0]?.['n']);
	};
	return { user: await one('user'), ip: await one('ip') };
}

async function figures(context: QueryContext, window: AnalyticsWindow, from: number, to: number): Promise<OverviewFigures> {
	const q = (name: string) => quoteIdentifier(context.dialect, name);
	const ranges = [{ from, to }];
	const actionRows = await querySource(
		context,
		{ select: ['action'], filters: window.filters, ranges },
		(s) => `select ${q('action')}, sum(${q('events')}) as ${q('events')} from ${s} group by ${q('action')}`,
	);
	const actions: Record<string, number> = {};
	for (const row of actionRows) actions[String(row['action'])] = toNumber(row['events']);
	const events = Object.values(actions).reduce((a, b) => a + b, 0);
	const distinct = await countDistinct(context, window, ranges);
	return { events, users: distinct.user, ips: distinct.ip, actions: Object.fromEntries(Object.entries(actions).sort(([a], [b]) => a.localeCompare(b))) };
}

/** Relative change, or null when there is nothing to compare with. */
export function relativeChange(current: number, previous: number): number | null {
	return previous === 0 ? null : Math.round(((current - previous) / previous) * 10_000) / 10_000;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

export async function runOverview(context: QueryContext, window: AnalyticsWindow): Promise<OverviewResult> {
	const length = window.to - window.from;
	const current = await figures(context, window, window.from, window.to);
	const previous = await figures(context, window, window.from - length, window.from);
	return {
		from: iso(window.from),
		to: iso(window.to),
		current,
		previous: { ...previous, from: iso(window.from - length), to: iso(window.from) },
		change: {
			events: relativeChange(current.events, previous.events),
			users: relativeChange(current.users, previous.users),
			ips: relativeChange(current.ips, previous.ips),
		},
	};
}
