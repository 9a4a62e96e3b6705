import { type Dialect } from '../schema/dialect';
import { DIMENSIONS, ROLLUP_TABLES, type Dimension, type RollupTable } from '../schema/rollup-tables';
import type { UnabsorbedRows } from '../rollup/rollup-state';
import { mergeRanges, splitTableWindow, type Segment } from './window-segments';

/** Values to keep per dimension: the route's filters, plus any key restriction of its own. */
export type DimensionFilters = Partial<Record<Dimension, readonly string[]>>;

export interface SourceSpec {
	/** Dimensions the outer query reads besides `at` and `events`. */
	select: readonly Dimension[];
	filters: DimensionFilters;
	/** Time ranges to cover, in epoch seconds [from, to). */
	ranges: readonly { from: number; to: number }[];
	unabsorbed: UnabsorbedRows;
	/**
	 * False when the outer query reads no `events` (distinct counts): the rollup rows are then read from an index
	 * holding every column the query names, without visiting the table.
	 */
	events?: boolean;
}

export interface BuiltSql {
	sql: string;
	bindings: (string | number)[];
}

export interface ActivitySource extends BuiltSql {
	/** The rollup read for whole buckets, or null when only raw rows can answer. */
	table: string | null;
}

/** The smallest rollup holding every dimension the query selects or filters on. */
export function chooseRollup(select: readonly Dimension[], filters: DimensionFilters): RollupTable | null {
	const needed = new Set<Dimension>(select);
	for (const dim of DIMENSIONS) if ((filters[dim]?.length ?? 0) > 0) needed.add(dim);
	return ROLLUP_TABLES.find((table) => [...needed].every((dim) => table.dims.includes(dim))) ?? null;
}

function rangesSql(
	build: (from: number, to: number) => BuiltSql,
	ranges: readonly { from: number; to: number }[],
): BuiltSql {
	const parts = ranges.map((r) => build(r.from, r.to));
	return { sql: `(${parts.map((p) => `(${p.sql})`).join(' or ')})`, bindings: parts.flatMap((p) => p.bindings) };
}

function filtersSql(filters: DimensionFilters, column: (dim: Dimension) => string): BuiltSql {
	const clauses: string[] = [];
	const bindings: string[] = [];
	for (const dim of DIMENSIONS) {
		const values = filters[dim] ?? [];
		if (values.length === 0) continue;
		clauses.push(`${column(dim)} in (${values.map(() => '?').join(', ')})`);
		bindings.push(...values);
	}
	return { sql: clauses.length > 0 ? ` and ${clauses.join(' and ')}` : '', bindings };
}

/** ` and <column> in (...)` for each filtered dimension of a rollup table. */
export function rollupFiltersSql(dialect: Dialect, filters: DimensionFilters): BuiltSql {
	return filtersSql(filters, (dim) => dialect.quote(dim));
}

/** ` and <column> in (...)` for each filtered dimension of the raw table (NULL read as ''). */
export function rawFiltersSql(dialect: Dialect, filters: DimensionFilters): BuiltSql {
	return filtersSql(filters, (dim) => dialect.dimensionText(dialect.quote(dim)));
}

function rawSelectSql(dialect: Dialect, select: readonly Dimension[], events = true): string {
	const q = (name: string) => dialect.quote(name);
	const columns = select.map((dim) => `${dialect.dimensionText(q(dim))} as ${q(dim)}`);
	return `select ${[`${dialect.epochWholeSeconds(q('timestamp'))} as ${q('at')}`, ...columns, ...(events ? [`1 as ${q('events')}`] : [])].join(', ')} from ${q('directus_activity')}`;
}

/**
 * The raw rows a rollup read over `segments` leaves out: rows of its whole buckets the rollups have not
 * absorbed yet (above the watermark, or in an open gap), and every row of the raw edges.
 */
export function rawRowParts(dialect: Dialect, spec: SourceSpec, segments: readonly Segment[]): BuiltSql[] {
	const q = (name: string) => dialect.quote(name);
	const parts: BuiltSql[] = [];
	const rawSelect = rawSelectSql(dialect, spec.select, spec.events !== false);
	const rawFilters = rawFiltersSql(dialect, spec.filters);
	const rawRange = (from: number, to: number) => dialect.timestampRange(q('timestamp'), from, to);
	const rollupRanges = mergeRanges(segments.filter((s) => s.kind === 'rollup'));
	if (rollupRanges.length > 0) {
		const gaps = spec.unabsorbed.gaps.map((id) => String(Math.trunc(id)));
		const tail = `(${q('id')} > ?${gaps.length > 0 ? ` or ${q('id')} in (${gaps.join(', ')})` : ''})`;
		const range = rangesSql(rawRange, rollupRanges);
		parts.push({
			sql: `${rawSelect} where ${tail} and ${range.sql}${rawFilters.sql}`,
			bindings: [spec.unabsorbed.watermark, ...range.bindings, ...rawFilters.bindings],
		});
	}
	const rawRanges = mergeRanges(segments.filter((s) => s.kind === 'raw'));
	if (rawRanges.length > 0) {
		const range = rangesSql(rawRange, rawRanges);
		parts.push({
			sql: `${rawSelect} where ${range.sql}${rawFilters.sql}`,
			bindings: [...range.bindings, ...rawFilters.bindings],
		});
	}
	return parts;
}

/** Rollup segments of the same grain, as one list of merged bucket ranges per grain. */
export function rollupRangesByGrain(segments: readonly Segment[]): Map<string, { from: number; to: number }[]> {
	const byGrain = new Map<string, { from: number; to: number }[]>();
	for (const segment of segments) {
		if (segment.kind !== 'rollup') continue;
		byGrain.set(segment.grain.key, [...(byGrain.get(segment.grain.key) ?? []), segment]);
	}
	for (const [grain, ranges] of byGrain) byGrain.set(grain, mergeRanges(ranges));
	return byGrain;
}

/** `bucket >= ? and bucket < ?` for each range, or-ed. */
export function bucketRangesSql(dialect: Dialect, ranges: readonly { from: number; to: number }[]): BuiltSql {
	const q = (name: string) => dialect.quote(name);
	return rangesSql((from, to) => ({ sql: `${q('bucket')} >= ? and ${q('bucket')} < ?`, bindings: [from, to] }), ranges);
}

/**
 * One derived table of (at, <dims>, events) covering the ranges exactly once: rollup rows for whole UTC
 * buckets, raw rows the rollups have not absorbed yet inside those buckets, and raw rows at the edges.
 */
export function buildActivitySource(dialect: Dialect, spec: SourceSpec): ActivitySource {
	const q = (name: string) => dialect.quote(name);
	const table = chooseRollup(spec.select, spec.filters);
	const segments = spec.ranges.flatMap((r) =>
		table
			? splitTableWindow(r.from, r.to, table, {
					days: spec.unabsorbed.daysClosedBefore,
					hours: spec.unabsorbed.hoursClosedBefore,
				})
			: [{ kind: 'raw' as const, from: r.from, to: r.to }],
	);
	const parts: BuiltSql[] = [];
	if (table) {
		const rollupFilters = rollupFiltersSql(dialect, spec.filters);
		const columns = [`${q('bucket')} as ${q('at')}`, ...spec.select.map((dim) => q(dim))];
		if (spec.events !== false) columns.push(q('events'));
		const rollupSelect = `select ${columns.join(', ')} from ${q(table.name)}`;
		for (const [grain, ranges] of rollupRangesByGrain(segments)) {
			const range = bucketRangesSql(dialect, ranges);
			parts.push({
				sql: `${rollupSelect} where ${q('grain')} = ? and ${range.sql}${rollupFilters.sql}`,
				bindings: [grain, ...range.bindings, ...rollupFilters.bindings],
			});
		}
	}
	parts.push(...rawRowParts(dialect, spec, segments));
	if (parts.length === 0) {
		return {
			sql: `${rawSelectSql(dialect, spec.select, spec.events !== false)} where 1 = 0`,
			bindings: [],
			table: table?.name ?? null,
		};
	}
	return {
		sql: parts.map((p) => p.sql).join(' union all '),
		bindings: parts.flatMap((p) => p.bindings),
		table: table?.name ?? null,
	};
}
