import type { TrendingQuery } from './analytics-query';
import { compareWithPrevious, relativeChange, type Span } from './compare-windows';
import type { QueryContext } from './read-snapshot';
import { querySource, toKey, toNumber } from './source-query';
import type { TrendingAnswer } from '../../shared/answers';

async function eventsByCollection(
	context: QueryContext,
	query: TrendingQuery,
	span: Span,
): Promise<Map<string | null, number>> {
	const q = (name: string) => context.dialect.quote(name);
	const rows = await querySource(
		context,
		{ select: ['collection'], filters: query.filters, ranges: [span] },
		(s) => `select ${q('collection')}, sum(${q('events')}) as ${q('events')} from ${s} group by ${q('collection')}`,
	);
	return new Map(rows.map((row) => [toKey(row['collection']), toNumber(row['events'])]));
}

/** Growth score used for ranking: new collections rank by their volume as if they had one event before. */
export function growthScore(events: number, previous: number): number {
	return (events - previous) / Math.max(previous, 1);
}

/** Collections ranked by growth against the previous window of equal length. */
export async function runTrending(context: QueryContext, query: TrendingQuery): Promise<TrendingAnswer> {
	const { current, previous } = await compareWithPrevious(query, (span) => eventsByCollection(context, query, span));
	const keys = new Set([...current.keys(), ...previous.keys()]);
	const rows = [...keys].map((collection) => {
		const events = current.get(collection) ?? 0;
		const before = previous.get(collection) ?? 0;
		return { collection, events, previous: before, growth: relativeChange(events, before) };
	});
	rows.sort(
		(a, b) =>
			growthScore(b.events, b.previous) - growthScore(a.events, a.previous) ||
			b.events - a.events ||
			String(a.collection).localeCompare(String(b.collection)),
	);
	return { rows: rows.slice(0, query.limit) };
}
