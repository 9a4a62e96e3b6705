import { quoteIdentifier } from '../schema/dialect';
import type { TrendingQuery } from './analytics-query';
import type { QueryContext } from './read-snapshot';
import { querySource, toKey, toNumber } from './source-query';

export interface TrendingRow {
	collection: string | null;
	events: number;
	previous: number;
	/** (events - previous) / previous; null for a collection that had no events before. */
	growth: number | null;
}

async function eventsByCollection(context: QueryContext, query: TrendingQuery, from: number, to: number): Promise<Map<string | null, number>> {
	const q = (name: string) => quoteIdentifier(context.dialect, name);
	const rows = await querySource(
		context,
		{ select: ['collection'], filters: query.filters, ranges: [{ from, to }] },
		(s) => `select ${q('collection')}, sum(${q('events')}) as ${q('events')} from ${s} group by ${q('collection')}`,
	);
	return new Map(rows.map((row) => [toKey(row['collection']), toNumber(row['events'])]));
}

/** Growth score used for ranking: new collections rank by their volume as if they had one event before. */
export function growthScore(events: number, previous: number): number {
	return (events - previous) / Math.max(previous, 1);
}

/** Collections ranked by growth against the previous window of equal length. */
export async function runTrending(context: QueryContext, query: TrendingQuery): Promise<{ rows: TrendingRow[] }> {
	const length = query.to - query.from;
	const current = await eventsByCollection(context, query, query.from, query.to);
	const previous = await eventsByCollection(context, query, query.from - length, query.from);
	const keys = new Set([...current.keys(), ...previous.keys()]);
	const rows = [...keys].map((collection) => {
		const events = current.get(collection) ?? 0;
		const before = previous.get(collection) ?? 0;
		return { collection, events, previous: before, growth: before === 0 ? null : Math.round(((events - before) / before) * 10_000) / 10_000 };
	});
	rows.sort((a, b) => growthScore(b.events, b.previous) - growthScore(a.events, a.previous) || b.events - a.events || String(a.collection).localeCompare(String(b.collection)));
	return { rows: rows.slice(0, query.limit) };
}
