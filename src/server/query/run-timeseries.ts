import { quoteIdentifier } from '../dialect';
import type { TimeseriesQuery } from './analytics-query';
import type { QueryContext } from './read-snapshot';
import { querySource, toNumber } from './source-query';
import { bucketIndexOf, calendarBuckets, localLabel } from './time-buckets';

export interface TimeseriesPoint {
	/** Local wall-clock start of the calendar bucket, with its offset. */
	bucket: string;
	/** The bucket clipped to the window, UTC. */
	from: string;
	to: string;
	events: number;
	users: number;
}

export interface TimeseriesResult {
	interval: TimeseriesQuery['interval'];
	tz: string;
	points: TimeseriesPoint[];
}

/**
 * Counts and unique users per calendar bucket in the query's time zone, zero-filled. Each bucket is read
 * on its own ranges, so no rollup row straddles two buckets; rows are then placed by their time.
 */
export async function runTimeseries(context: QueryContext, query: TimeseriesQuery): Promise<TimeseriesResult> {
	const q = (name: string) => quoteIdentifier(context.dialect, name);
	const buckets = calendarBuckets(query.from, query.to, query.interval, query.tz);
	const ranges = buckets.map((b) => ({ from: b.from, to: b.to }));
	const events = new Array<number>(buckets.length).fill(0);
	const users = buckets.map(() => new Set<string>());

	const countRows = await querySource(
		context,
		{ select: [], filters: query.filters, ranges },
		(s) => `select ${q('at')}, sum(${q('events')}) as ${q('events')} from ${s} group by ${q('at')}`,
	);
	for (const row of countRows) {
		const index = bucketIndexOf(buckets, toNumber(row['at']));
		if (index >= 0) events[index]! += toNumber(row['events']);
	}
	const userRows = await querySource(
		context,
		{ select: ['user'], filters: query.filters, ranges },
		(s) => `select ${q('at')}, ${q('user')} from ${s} where ${q('user')} <> '' group by ${q('at')}, ${q('user')}`,
	);
	for (const row of userRows) {
		const index = bucketIndexOf(buckets, toNumber(row['at']));
		if (index >= 0) users[index]!.add(String(row['user']));
	}
	return {
		interval: query.interval,
		tz: query.tz,
		points: buckets.map((bucket, i) => ({
			bucket: localLabel(bucket.start, query.tz),
			from: new Date(bucket.from * 1000).toISOString(),
			to: new Date(bucket.to * 1000).toISOString(),
			events: events[i]!,
			users: users[i]!.size,
		})),
	};
}
