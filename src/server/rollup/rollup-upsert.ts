import type { Dialect } from '../schema/dialect';
import type { RollupTable } from '../schema/rollup-tables';

/** A rollup row's key: its grain, bucket and dimensions. */
function rollupKey(table: { dims: readonly string[] }): string[] {
	return ['grain', 'bucket', ...table.dims];
}

/**
 * The one rollup upsert: `select` yields (grain, bucket, ...dims, events) rows, and each is added to the row
 * with its key ('add': absorbing, merging) or takes its place ('replace': a closed bucket built from its parts).
 */
export function rollupUpsertSql(
	dialect: Dialect,
	// The activity rollups (RollupTable) and the flow rollups share the (grain, bucket, ...dims, events) shape.
	table: Pick<RollupTable, 'name'> & { dims: readonly string[] },
	select: string,
	mode: 'add' | 'replace',
): string {
	return dialect.upsertEvents(table.name, [...rollupKey(table), 'events'], rollupKey(table), select, mode);
}
