import type { Knex } from 'knex';

export type Dialect = 'postgres' | 'mysql' | 'sqlite';

export function dialectOf(database: Knex): Dialect {
	const client = String(database.client.config.client);
	if (client === 'pg' || client === 'postgres' || client === 'cockroachdb') return 'postgres';
	if (client.startsWith('mysql')) return 'mysql';
	return 'sqlite';
}

export function quoteIdentifier(dialect: Dialect, name: string): string {
	return dialect === 'mysql' ? `\`${name.replace(/`/g, '``')}\`` : `"${name.replace(/"/g, '""')}"`;
}

/**
 * SQL for a Directus timestamp column as epoch seconds. SQLite needs care: Directus leaves both
 * epoch-millisecond integers (explicit Date values) and UTC text (the column default) in the same column.
 */
export function epochSecondsSql(dialect: Dialect, column: string): string {
	switch (dialect) {
		case 'postgres':
			return `extract(epoch from ${column})`;
		case 'mysql':
			// For a TIMESTAMP column this is the stored UTC value, whatever the session time zone.
			return `unix_timestamp(${column})`;
		case 'sqlite':
			return `(case when typeof(${column}) in ('integer', 'real') then ${column} / 1000.0 else cast(strftime('%s', ${column}) as integer) end)`;
	}
}

/** Whole epoch seconds (floored), the unit every bucket and window boundary uses. */
export function epochWholeSecondsSql(dialect: Dialect, column: string): string {
	const epoch = epochSecondsSql(dialect, column);
	return dialect === 'sqlite' ? `cast(${epoch} as integer)` : `floor(${epoch})`;
}

/** `floor(value / divisor)` for whole-number values: SQLite's integer division already floors non-negative ones. */
export function floorDivSql(dialect: Dialect, value: string, divisor: number): string {
	return dialect === 'sqlite' ? `(${value} / ${divisor})` : `floor(${value} / ${divisor})`;
}

/**
 * `column` in [from, to) (epoch seconds), or from `from` on when `to` is null, written so PostgreSQL and MySQL
 * use the timestamp index. MySQL's from_unixtime() goes through the session time zone (ambiguous around DST),
 * so its index range is widened by two hours and the exact test is done on unix_timestamp().
 */
export function timestampRangeSql(dialect: Dialect, column: string, from: number, to: number | null): { sql: string; bindings: number[] } {
	const bounded = to !== null;
	switch (dialect) {
		case 'postgres':
			return { sql: `${column} >= to_timestamp(?)${bounded ? ` and ${column} < to_timestamp(?)` : ''}`, bindings: bounded ? [from, to] : [from] };
		case 'mysql':
			return {
				sql: `${column} >= from_unixtime(?)${bounded ? ` and ${column} < from_unixtime(?)` : ''} and unix_timestamp(${column}) >= ?${bounded ? ` and unix_timestamp(${column}) < ?` : ''}`,
				bindings: bounded ? [Math.max(0, from - 7200), to + 7200, from, to] : [Math.max(0, from - 7200), from],
			};
		case 'sqlite': {
			const epoch = epochWholeSecondsSql(dialect, column);
			return { sql: `${epoch} >= ?${bounded ? ` and ${epoch} < ?` : ''}`, bindings: bounded ? [from, to] : [from] };
		}
	}
}

/** A nullable text column as the rollups store it: NULL becomes ''. */
export function dimensionTextSql(dialect: Dialect, column: string): string {
	const text = dialect === 'postgres' ? `${column}::text` : column;
	return `coalesce(${text}, '')`;
}

/** Rows from knex.raw on any dialect: `rows` on PostgreSQL, the first element on MySQL, the array on SQLite. */
export function rowsOf<T = Record<string, unknown>>(result: unknown, dialect: Dialect): T[] {
	if (dialect === 'postgres') return (result as { rows: T[] }).rows;
	if (dialect === 'mysql') return (result as [T[]])[0];
	return result as T[];
}

/** Epoch ms of a timestamp as a driver or JSON gives it: a Date, SQLite's epoch-ms number or UTC text, or ISO text. */
export function epochMsOf(value: unknown): number {
	if (value instanceof Date) return value.getTime();
	if (typeof value === 'number') return value;
	const text = String(value);
	return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`).getTime();
}
