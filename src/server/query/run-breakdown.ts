import { dimensionKeys } from '../schema/dimension-keys';
import type { Dimension } from '../schema/rollup-tables';
import type { BreakdownQuery, BreakdownSort } from './analytics-query';
import { countMembers, countMembersOfKinds, memberSetsServe } from './count-members';
import { eventsByMember, memberCountsServe } from './rank-members';
import type { QueryContext } from './read-snapshot';
import { byCountThenKey, compareKeys } from './rank-order';
import { querySource, toKey, toNumber } from './source-query';
import type { BreakdownAnswer } from '../../shared/answers';

const METRIC_DIMENSION = { users: 'user', ips: 'ip' } as const;

/** One metric per key, for all keys (top `limit` by it) or only for the given keys. */
async function metricByKey(
	context: QueryContext,
	query: BreakdownQuery,
	metric: BreakdownSort,
	keys: (string | null)[] | null,
): Promise<Map<string | null, number>> {
	const q = (name: string) => context.dialect.quote(name);
	const by = query.by;
	const counted = metric === 'events' ? null : METRIC_DIMENSION[metric];
	// Distinct IPs of one IP (users of one user) is 1, or 0 for the NULL key: nothing to read.
	if (keys && counted === by) return new Map(keys.map((key) => [key, key === null ? 0 : 1]));
	const select: Dimension[] = counted && counted !== by ? [by, counted] : [by];
	const filters = keys ? { ...query.filters, [by]: keys.map((k) => k ?? '') } : query.filters;
	if (by === 'collection' && counted && memberSetsServe(filters)) {
		const counts = await countMembers(
			context,
			counted,
			filters,
			[{ from: query.from, to: query.to }],
			(_, collection) => collection,
			{ byTime: false },
		);
		let entries = [...counts];
		if (!keys) entries = entries.sort(byCountThenKey).slice(0, Math.trunc(query.limit));
		return new Map(entries.map(([key, n]) => [toKey(key), n]));
	}
	if ((by === 'user' || by === 'ip') && !counted && memberCountsServe(query.filters)) {
		return eventsByMember(context, by, { from: query.from, to: query.to }, Math.trunc(query.limit), keys);
	}
	const limit = keys ? '' : ` order by ${q('value')} desc, ${q('key')} asc limit ${Math.trunc(query.limit)}`;
	let statement: (s: string) => string;
	if (!counted) {
		statement = (s) =>
			`select ${q(by)} as ${q('key')}, sum(${q('events')}) as ${q('value')} from ${s} group by ${q(by)}${limit}`;
	} else if (counted === by) {
		// Distinct values of the key itself: 1 per key, 0 for the NULL key.
		statement = (s) =>
			`select ${q('key')}, max(case when ${q('key')} <> '' then 1 else 0 end) as ${q('value')} from (select distinct ${q(by)} as ${q('key')} from ${s}) ${q('d')} group by ${q('key')}${limit}`;
	} else {
		// distinct-then-count: hashing beats count(distinct)'s sort on PostgreSQL.
		statement = (s) =>
			`select ${q('key')}, count(*) as ${q('value')} from (select distinct ${q(by)} as ${q('key')}, ${q(counted)} from ${s} where ${q(counted)} <> '') ${q('d')} group by ${q('key')}${limit}`;
	}
	// Distinct counts read no events (an index-only read of the rollup); sums do.
	const rows = await querySource(
		context,
		{ select, filters, ranges: [{ from: query.from, to: query.to }], events: !counted },
		statement,
	);
	return new Map(rows.map((row) => [toKey(row['key']), toNumber(row['value'])]));
}

/** The top keys of a dimension with their event count and distinct users and IPs, exact. */
export async function runBreakdown(context: QueryContext, query: BreakdownQuery): Promise<BreakdownAnswer> {
	// Each metric is its own statement: on MySQL one may spell a key "FE80::A" and the next "fe80::a".
	const keyOf = (await dimensionKeys(context.db))[query.by];
	const fold = (key: string | null) => (key === null ? null : keyOf(key));
	const byFoldedKey = (metric: Map<string | null, number>) => new Map([...metric].map(([key, n]) => [fold(key), n]));
	const ranked = await metricByKey(context, query, query.sort, null);
	if (ranked.size < query.limit && query.sort !== 'events') {
		// Keys whose counted values are all NULL have 0 and are missing above; they rank last, by key.
		const all = await metricByKey(context, { ...query, limit: 10_000 }, 'events', null);
		const present = new Set([...ranked.keys()].map(fold));
		const zero = [...all.keys()].filter((key) => !present.has(fold(key))).sort(compareKeys);
		for (const key of zero.slice(0, query.limit - ranked.size)) ranked.set(key, 0);
	}
	const keys = [...ranked.keys()];
	const metrics: Record<BreakdownSort, Map<string | null, number>> = {
		events: new Map(),
		users: new Map(),
		ips: new Map(),
	};
	metrics[query.sort] = byFoldedKey(ranked);
	const rest = (['events', 'users', 'ips'] as const).filter((metric) => metric !== query.sort && keys.length > 0);
	const done = new Set<BreakdownSort>([query.sort]);
	const keyFilters = { ...query.filters, [query.by]: keys.map((k) => k ?? '') };
	if (query.by === 'collection' && memberSetsServe(keyFilters) && rest.includes('users') && rest.includes('ips')) {
		// Users and IPs of the same collections: one read of the member sets for both.
		const counts = await countMembersOfKinds(
			context,
			['user', 'ip'],
			keyFilters,
			[{ from: query.from, to: query.to }],
			(_, collection) => collection,
			{ byTime: false },
		);
		metrics.users = byFoldedKey(new Map([...counts.get('user')!].map(([key, n]) => [toKey(key), n])));
		metrics.ips = byFoldedKey(new Map([...counts.get('ip')!].map(([key, n]) => [toKey(key), n])));
		done.add('users').add('ips');
	}
	for (const metric of rest) {
		if (!done.has(metric)) metrics[metric] = byFoldedKey(await metricByKey(context, query, metric, keys));
	}
	return {
		by: query.by,
		sort: query.sort,
		rows: keys.map((key) => ({
			key,
			events: metrics.events.get(fold(key)) ?? 0,
			users: metrics.users.get(fold(key)) ?? 0,
			ips: metrics.ips.get(fold(key)) ?? 0,
		})),
	};
}
