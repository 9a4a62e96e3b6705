import type { TimeseriesQuery } from './analytics-query';
import { countMembers, memberSetsServe } from './count-members';
import type { QueryContext } from './read-snapshot';
import { querySource, toNumber } from './source-query';
import { bucketAt, bucketIndexSql, calendarBuckets, localLabel } from './time-buckets';
import type { TimeseriesAnswer } from '../../shared/answers';

/**
 * Counts and unique users per calendar bucket in the query's time zone, zero-filled. Each bucket is read
 * on its own ranges, so no rollup row straddles two buckets; the database places rows by their time.
 */
export async function runTimeseries(context: QueryContext, query: TimeseriesQuery): Promise<TimeseriesAnswer> {
	const q = (name: string) => context.dialect.quote(name);
	const buckets = calendarBuckets(query.from, query.to, query.interval, query.tz);
	const ranges = buckets.map((b) => ({ from: b.from, to: b.to }));
	const events = new Array<number>(buckets.length).fill(0);
	const users = new Array<number>(buckets.length).fill(0);

	const bucket = bucketIndexSql(buckets, q('at'));
	const countRows = await querySource(
		context,
		{ select: [], filters: query.filters, ranges },
		(s) => `select ${bucket} as ${q('i')}, sum(${q('events')}) as ${q('events')} from ${s} group by 1`,
	);
	for (const row of countRows) events[toNumber(row['i'])] = toNumber(row['events']);
	if (memberSetsServe(query.filters)) {
		const starts = buckets.map((b) => b.from);
		const perBucket = await countMembers(context, 'user', query.filters, ranges, (at) => bucketAt(starts, at), {
			byTime: true,
		});
		for (const [i, n] of perBucket) users[i] = n;
	} else {
		const userRows = await querySource(
			context,
			{ select: ['user'], filters: query.filters, ranges, events: false },
			(s) =>
				`select ${q('i')}, count(*) as ${q('users')} from (select distinct ${bucket} as ${q('i')}, ${q('user')} from ${s} where ${q('user')} <> '') ${q('d')} group by ${q('i')}`,
		);
		for (const row of userRows) users[toNumber(row['i'])] = toNumber(row['users']);
	}
	return {
		interval: query.interval,
		tz: query.tz,
		points: buckets.map((bucket, i) => ({
			bucket: localLabel(bucket.start, query.tz),
			from: new Date(bucket.from * 1000).toISOString(),
			to: new Date(bucket.to * 1000).toISOString(),
			events: events[i]!,
			users: users[i]!,
		})),
	};
}
