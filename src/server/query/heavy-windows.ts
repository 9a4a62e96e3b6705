import { dimensionKeys } from '../schema/dimension-keys';
import type { Dimension } from '../schema/rollup-tables';
import {
	bucketRangesSql,
	chooseRollup,
	rawRowParts,
	rollupFiltersSql,
	rollupRangesByGrain,
	type DimensionFilters,
} from './activity-source';
import type { QueryContext } from './read-snapshot';
import { querySource, toNumber, type Row } from './source-query';
import { splitTableWindow } from './window-segments';

const MAX_FED_BUCKETS = 500;

export interface HeavyWindowsSpec {
	by: Extract<Dimension, 'ip' | 'user'>;
	filters: DimensionFilters;
	/** The fixed windows, each [from, to) in epoch seconds, aligned to multiples of `seconds`. */
	ranges: readonly { from: number; to: number }[];
	seconds: number;
	threshold: number;
}

/**
 * Every (actor, window) with more than `threshold` events: rows { actor, w, n }, w the window's index. Exact.
 * When each window is one rollup bucket of a one-actor rollup, only buckets that can cross the threshold are
 * read: those over it on their own (an index on events), and those the unabsorbed raw rows add to. Any other
 * bucket holds at most `threshold` events and gains none, so it cannot cross. Otherwise every row is summed.
 */
export async function heavyWindows(context: QueryContext, spec: HeavyWindowsSpec): Promise<Row[]> {
	const { dialect } = context;
	const q = (name: string) => dialect.quote(name);
	const closed = { days: context.unabsorbed.daysClosedBefore, hours: context.unabsorbed.hoursClosedBefore };
	const table = chooseRollup([spec.by], spec.filters);
	const segments = table ? spec.ranges.flatMap((r) => splitTableWindow(r.from, r.to, table, closed)) : [];
	const oneBucketPerWindow =
		table !== null &&
		table.dims.length === 1 &&
		segments.every((segment) => segment.kind === 'raw' || segment.grain.seconds === spec.seconds);
	if (!table || !oneBucketPerWindow) return summedWindows(context, spec);

	const windowIndex = dialect.floorDiv(q('at'), spec.seconds);
	const source = { select: [spec.by], filters: spec.filters, ranges: spec.ranges, unabsorbed: context.unabsorbed };
	const rawParts = rawRowParts(dialect, source, segments);
	const rawRows =
		rawParts.length === 0
			? []
			: dialect.rows<Row>(
					await context.db.raw(
						`select ${q(spec.by)} as ${q('actor')}, ${windowIndex} as ${q('w')}, sum(${q('events')}) as ${q('n')} from (${rawParts.map((p) => p.sql).join(' union all ')}) s where ${q(spec.by)} <> '' group by ${q(spec.by)}, ${windowIndex}`,
						rawParts.flatMap((p) => p.bindings),
					),
				);

	const byGrain = rollupRangesByGrain(segments);
	const rollupRows: Row[] = [];
	for (const [grain, ranges] of byGrain) {
		const inRollup = (w: number) => ranges.some((r) => w * spec.seconds >= r.from && w * spec.seconds < r.to);
		const fedBuckets = [...new Set(rawRows.map((row) => toNumber(row['w'])).filter(inRollup))].map(
			(w) => w * spec.seconds,
		);
		// A long raw tail (refreshes stopped for weeks) feeds too many buckets to list: sum everything instead.
		if (fedBuckets.length > MAX_FED_BUCKETS) return summedWindows(context, spec);
		const range = bucketRangesSql(dialect, ranges);
		const filters = rollupFiltersSql(dialect, spec.filters);
		const fed = fedBuckets.length > 0 ? ` or ${q('bucket')} in (${fedBuckets.map(() => '?').join(', ')})` : '';
		rollupRows.push(
			...dialect.rows<Row>(
				await context.db.raw(
					`select ${q(spec.by)} as ${q('actor')}, ${q('bucket')} as ${q('bucket')}, ${q('events')} as ${q('n')} from ${q(table.name)} where ${q('grain')} = ? and ${range.sql}${filters.sql} and ${q(spec.by)} <> '' and (${q('events')} > ?${fed})`,
					[grain, ...range.bindings, ...filters.bindings, spec.threshold, ...fedBuckets],
				),
			),
		);
	}

	// Rollup and raw rows of one actor and window add up; the database's own grouping decides what "one actor" is.
	const keyOf = (await dimensionKeys(context.db))[spec.by];
	const totals = new Map<string, Row>();
	const add = (actor: unknown, w: number, n: number) => {
		const key = `${w}\u0000${keyOf(String(actor))}`;
		const row = totals.get(key);
		if (row) row['n'] = toNumber(row['n']) + n;
		else totals.set(key, { actor, w, n });
	};
	for (const row of rollupRows) add(row['actor'], toNumber(row['bucket']) / spec.seconds, toNumber(row['n']));
	for (const row of rawRows) add(row['actor'], toNumber(row['w']), toNumber(row['n']));
	return [...totals.values()].filter((row) => toNumber(row['n']) > spec.threshold);
}

/** The general case: every row of the windows summed per actor and window. */
function summedWindows(context: QueryContext, spec: HeavyWindowsSpec): Promise<Row[]> {
	const q = (name: string) => context.dialect.quote(name);
	const windowIndex = context.dialect.floorDiv(q('at'), spec.seconds);
	return querySource(
		context,
		{ select: [spec.by], filters: spec.filters, ranges: spec.ranges },
		(s) =>
			`select ${q(spec.by)} as ${q('actor')}, ${windowIndex} as ${q('w')}, sum(${q('events')}) as ${q('n')} from ${s} where ${q(spec.by)} <> '' group by ${q(spec.by)}, ${windowIndex} having sum(${q('events')}) > ?`,
		[spec.threshold],
	);
}
