import type { Dimension } from '../schema/rollup-tables';
import { buildActivitySource, type DimensionFilters } from './activity-source';
import type { QueryContext } from './read-snapshot';

export type Row = Record<string, unknown>;

/**
 * Runs `outer` over the activity source for the ranges: `outer` gets the derived table's SQL
 * (aliased s, with columns at, <select>, events) and returns the full statement.
 */
export async function querySource(
	context: QueryContext,
	spec: {
		select: readonly Dimension[];
		filters: DimensionFilters;
		ranges: readonly { from: number; to: number }[];
		events?: boolean;
	},
	outer: (source: string) => string,
	outerBindings: (string | number)[] = [],
): Promise<Row[]> {
	const source = buildActivitySource(context.dialect, { ...spec, unabsorbed: context.unabsorbed });
	const result = await context.db.raw(outer(`(${source.sql}) s`), [...source.bindings, ...outerBindings]);
	return context.dialect.rows<Row>(result);
}

export function toNumber(value: unknown): number {
	return value === null || value === undefined ? 0 : Number(value);
}

/** '' is how the rollups store NULL. */
export function toKey(value: unknown): string | null {
	return value === null || value === undefined || value === '' ? null : String(value);
}
