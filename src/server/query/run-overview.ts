import type { AnalyticsWindow } from './analytics-query';
import { previousSpan, relativeChange, type Span } from './compare-windows';
import { countMembersOfKinds, memberSetsServe } from './count-members';
import type { QueryContext } from './read-snapshot';
import { querySource, toNumber } from './source-query';
import type { OverviewAnswer, OverviewFigures } from '../../shared/answers';

/** Index of the span an epoch second falls in, in SQL: 1 before `boundary` (the previous span), else 0. */
function spanIndexSql(column: string, boundary: number): string {
	return `case when ${column} < ${Math.trunc(boundary)} then 1 else 0 end`;
}

/**
 * Exact distinct users and IPs over each of two adjacent spans, the current one first ('' stands for NULL and is
 * not counted). Both spans are read by the same statements, told apart by time.
 */
export async function countDistinct(
	context: QueryContext,
	window: AnalyticsWindow,
	spans: readonly [Span, Span],
): Promise<{ user: number; ip: number }[]> {
	const [current, previous] = spans;
	const indexOf = (at: number): number => (at < current.from ? 1 : 0);
	if (memberSetsServe(window.filters)) {
		const counts = await countMembersOfKinds(context, ['user', 'ip'], window.filters, [current, previous], indexOf, {
			byTime: true,
		});
		return [0, 1].map((i) => ({ user: counts.get('user')!.get(i) ?? 0, ip: counts.get('ip')!.get(i) ?? 0 }));
	}
	const q = (name: string) => context.dialect.quote(name);
	const one = async (dim: 'user' | 'ip') => {
		// distinct-then-count lets PostgreSQL hash instead of sort: about twice as fast as count(distinct).
		const rows = await querySource(
			context,
			{ select: [dim], filters: window.filters, ranges: [current, previous], events: false },
			(s) =>
				`select ${q('i')}, count(*) as ${q('n')} from (select distinct ${spanIndexSql(q('at'), current.from)} as ${q('i')}, ${q(dim)} from ${s} where ${q(dim)} <> '') ${q('d')} group by ${q('i')}`,
		);
		const byIndex = new Map(rows.map((row) => [toNumber(row['i']), toNumber(row['n'])]));
		return [byIndex.get(0) ?? 0, byIndex.get(1) ?? 0];
	};
	const users = await one('user');
	const ips = await one('ip');
	return [0, 1].map((i) => ({ user: users[i]!, ip: ips[i]! }));
}

/** The overview figures of the window and of the one before it, read together. */
async function figures(
	context: QueryContext,
	window: AnalyticsWindow,
	spans: readonly [Span, Span],
): Promise<[OverviewFigures, OverviewFigures]> {
	const q = (name: string) => context.dialect.quote(name);
	const actionRows = await querySource(
		context,
		{ select: ['action'], filters: window.filters, ranges: [...spans] },
		(s) =>
			`select ${spanIndexSql(q('at'), spans[0].from)} as ${q('i')}, ${q('action')}, sum(${q('events')}) as ${q('events')} from ${s} group by 1, ${q('action')}`,
	);
	const actions: [Record<string, number>, Record<string, number>] = [{}, {}];
	for (const row of actionRows) {
		const perAction = actions[toNumber(row['i'])]!;
		const action = String(row['action']);
		perAction[action] = (perAction[action] ?? 0) + toNumber(row['events']);
	}
	const distinct = await countDistinct(context, window, spans);
	const of = (i: 0 | 1): OverviewFigures => ({
		events: Object.values(actions[i]).reduce((a, b) => a + b, 0),
		users: distinct[i]!.user,
		ips: distinct[i]!.ip,
		actions: Object.fromEntries(Object.entries(actions[i]).sort(([a], [b]) => a.localeCompare(b))),
	});
	return [of(0), of(1)];
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

export async function runOverview(context: QueryContext, window: AnalyticsWindow): Promise<OverviewAnswer> {
	const span = { from: window.from, to: window.to };
	const before = previousSpan(span);
	const [current, previous] = await figures(context, window, [span, before]);
	return {
		from: iso(window.from),
		to: iso(window.to),
		current,
		previous: { ...previous, from: iso(before.from), to: iso(before.to) },
		change: {
			events: relativeChange(current.events, previous.events),
			users: relativeChange(current.users, previous.users),
			ips: relativeChange(current.ips, previous.ips),
		},
	};
}
