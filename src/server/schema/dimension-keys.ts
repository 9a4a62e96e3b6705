import type { Knex } from 'knex';
import { dialectOf } from './dialect';
import { DIMENSIONS, type Dimension } from './rollup-tables';

/** Maps a value to a key that is equal for every value the database holds equal to it. */
export type DimensionKey = (value: string) => string;

const exact: DimensionKey = (value) => value;

/**
 * The key for a column collation: MySQL's default ones ignore case and accents (`_ci`) and trailing spaces
 * (PAD SPACE; `_nopad_` and the 0900 collations do not). PostgreSQL and SQLite compare exactly here.
 */
export function dimensionKeyFor(collation: string | null): DimensionKey {
	if (!collation) return exact;
	const name = collation.toLowerCase();
	const padSpace = !/nopad|_0900_/.test(name);
	const caseless = /_ci$/.test(name);
	const accentless = caseless && !/_as_/.test(name);
	return (value) => {
		let key = padSpace ? value.replace(/ +$/, '') : value;
		if (accentless) key = key.normalize('NFD').replace(/\p{M}/gu, '');
		return caseless ? key.toLowerCase() : key;
	};
}

const EXACT = Object.fromEntries(DIMENSIONS.map((dim) => [dim, exact])) as Record<Dimension, DimensionKey>;
let cached: Promise<Record<Dimension, DimensionKey>> | undefined;

/**
 * How the database compares directus_activity's values of each dimension, for values that JavaScript merges
 * across statements (raw rows newer than the dictionary, a key ranked by one query and looked up in another),
 * so they count as SQL over the raw rows counts them.
 */
export function dimensionKeys(db: Knex | Knex.Transaction): Promise<Record<Dimension, DimensionKey>> {
	const dialect = dialectOf(db as Knex);
	if (!dialect.foldsCase) return Promise.resolve(EXACT);
	cached ??= (async () => {
		const rows = dialect.rows<{ column: string; collation: string | null }>(
			await db.raw(
				`select column_name as \`column\`, collation_name as collation from information_schema.columns where table_schema = database() and table_name = 'directus_activity'`,
			),
		);
		const of = (dim: Dimension) =>
			dimensionKeyFor(rows.find((row) => row.column.toLowerCase() === dim)?.collation ?? null);
		return Object.fromEntries(DIMENSIONS.map((dim) => [dim, of(dim)])) as Record<Dimension, DimensionKey>;
	})().catch((error: unknown) => {
		cached = undefined;
		throw error;
	});
	return cached;
}
