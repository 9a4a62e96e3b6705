import type { Knex } from 'knex';

export type Dialect = 'postgres' | 'mysql' | 'sqlite';

export function dialectOf(database: Knex): Dialect {
	const client = String(database.client.config.client);
	if (client === 'pg' || client === 'postgres' || client === 'cockroachdb') return 'postgres';
	if (client.startsWith('mysql')) return 'mysql';
	return 'sqlite';
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
			return `unix_timestamp(${column})`;
		case 'sqlite':
			return `(case when typeof(${column}) in ('integer', 'real') then ${column} / 1000.0 else cast(strftime('%s', ${column}) as integer) end)`;
	}
}
